"""한국어, the refusals raised in surfaces/, render/ and explain/."""

from __future__ import annotations

__all__ = ["ERRORS"]

ERRORS: dict[str, str] = {
    # selfattention serve (surfaces/cli/serve.py)
    "serve_needs_web": (
        "selfattention serve에는 web extra가 필요합니다. 없는 패키지: {missing}. 설치: pip install 'selfattention[web]'"
    ),
    "allow_host_not_a_name": "--allow-host 값이 호스트 이름이 아닙니다: {name!r}. 예: explorer.lan 또는 192.168.1.5",
    "host_unknown": "--host 값이 알려진 주소가 아닙니다: {host!r} ({reason}). 예: 127.0.0.1 또는 localhost",
    "cannot_listen": "이 주소에서 연결을 받을 수 없습니다: {host}:{port} ({reason}). 다른 --port나 --host를 고르세요",
    "server_not_started": "서버를 시작하지 못했습니다: {address}:{port} (바로 위 줄을 보세요)",
    # files written (surfaces/files.py)
    "output_write_failed": "출력 파일을 쓰지 못했습니다: {path!r} ({reason}). 아무것도 바뀌지 않았습니다",
    "output_name_unusable": "출력 파일을 쓸 수 없습니다: {path} ({reason})",
    "output_is_folder": "출력 자리에 폴더가 있습니다: {path!r}. 파일 이름을 주세요",
    "output_is_block_device": "출력 자리에 블록 장치가 있습니다: {path!r}. 파일 이름을 주세요",
    "output_is_socket": "출력 자리에 소켓이 있습니다: {path!r}. 파일 이름을 주세요",
    "output_no_name_to_replace": "출력 파일이 가리키는 파일에는 바꿔 쓸 이름이 없습니다: {path!r}. 파일 이름을 주세요",
    "output_fifo_unread": "출력이 아무도 읽지 않는 FIFO입니다: {path!r}. 읽는 쪽을 먼저 시작하거나 파일에 쓰세요",
    "output_not_opened": "출력을 쓰기용으로 열지 못했습니다: {path!r} ({reason})",
    "output_changed": "출력이 여는 동안 바뀌었습니다: {path!r}. 아무것도 쓰지 않았습니다",
    "output_stalled": "출력이 {seconds:g}초 동안 데이터를 받지 않아 쓰기를 그만두었습니다: {path!r}",
    "output_closed_by_reader": "모두 쓰기 전에 읽는 쪽이 출력을 닫았습니다: {path!r}",
    "output_device_write_failed": "출력에 쓰지 못했습니다: {path!r} ({reason})",
    # local ranks (surfaces/ranks.py) and the ring command's run (surfaces/ring_run.py)
    "ranks_world_size_below_one": "world_size는 랭크 1개 이상이어야 합니다: {world_size}",
    "ranks_timeout_not_positive": "timeout은 양수(초)여야 합니다: {timeout}",
    "ranks_timed_out": "랭크 {world_size}개가 {seconds:g}초 안에 끝나지 않아 모두 멈추었습니다",
    "rank_exited": (
        "랭크 {world_size}개 중 {rank}번 랭크가 끝나기 전에 종료되었습니다(종료 코드 {exit_code})."
        " 다른 랭크는 멈추었습니다"
    ),
    "rank_killed": (
        "랭크 {world_size}개 중 {rank}번 랭크가 끝나기 전에 시그널을 받고 종료되었습니다(시그널 {signal})."
        " 다른 랭크는 멈추었습니다"
    ),
    "rank_failed": "랭크 {world_size}개 중 {rank}번 랭크가 실패했습니다: {reason}. 다른 랭크는 멈추었습니다",
    "ranks_stopped": (
        "랭크 {world_size}개 중 하나가 끝나기 전에 멈추었습니다(종료 코드 {exit_codes}). 나머지는 멈추었습니다"
    ),
    "ring_world_size_out_of_range": "world size는 로컬 랭크 1개부터 {most}개까지여야 합니다: {world_size}",
    "ring_length_out_of_range": "length는 위치 1개부터 {most}개까지여야 합니다: {length}",
    "ring_heads_or_dim_below_one": "heads와 dim은 각각 1 이상이어야 합니다: heads {heads}, dim {dim}",
    "ring_dtype_unknown": "dtype은 {choices} 중 하나여야 합니다: {dtype!r}",
    "ring_layout_unknown": "layout은 {choices} 중 하나여야 합니다: {layout!r}",
    # web requests: the body and its fields (surfaces/server/); a field's name is JSON's own
    "request_body_empty": "요청 본문이 비어 있습니다: JSON 객체를 주세요",
    "request_body_not_object": "요청 본문은 JSON 객체여야 합니다",
    "request_body_not_utf8": "요청 본문이 UTF-8 텍스트가 아닙니다({byte}번 바이트): JSON 객체를 주세요",
    "request_body_bad_json": "요청 본문이 올바른 JSON이 아닙니다: {line}번째 줄 {column}번째 글자 ({reason})",
    "request_body_too_deep": "요청 본문이 너무 깊이 중첩되어 있습니다: JSON 객체를 주세요",
    "request_body_not_finite": (
        "요청 본문에 유한하지 않은 숫자가 있습니다: {constant}. 유한한 숫자를 주세요"
        "(JSON에는 NaN도 Infinity도 없습니다)"
    ),
    "request_body_integer_too_long": (
        "요청 본문에 너무 긴 정수가 있습니다: {digits}자리. 64비트 float에 들어가는 숫자를 주세요"
    ),
    "request_not_object": "요청이 JSON {kind}입니다: {shape} 같은 객체를 주세요",
    "request_field_not_object": "{field} 값이 JSON {kind}입니다: {shape} 같은 객체를 주세요",
    "request_unknown_key": "요청에 알 수 없는 키가 있습니다: {key!r}. 쓸 수 있는 키: {keys}",
    "request_field_unknown_key": "{field}에 알 수 없는 키가 있습니다: {key!r}. 쓸 수 있는 키: {keys}",
    "request_lacks_input": '요청에 "input"이 없습니다: tokens, query, key, value가 든 객체를 주세요',
    "request_example_not_name": 'example 값은 "seed" 같은 예제 이름이어야 합니다: {example!r}',
    "request_example_and_model": "요청에 example, model이 함께 있습니다: 벡터는 한 출처에서만 옵니다",
    "request_lang_not_code": 'lang 값은 "en" 같은 언어 코드여야 합니다: {lang!r}',
    "exercise_lang_not_code": "lang 값은 'en'이나 'ko' 같은 언어 코드여야 합니다: {value}",
    "request_precision_out_of_range": "precision 값은 0부터 {most}까지의 정수여야 합니다: {precision!r}",
    "request_temperature_out_of_range": (
        "temperature 값은 {least}부터 {most:g}까지의 숫자여야 합니다: {temperature!r}"
        " (1은 보통의 scale이고, 1보다 크면 softmax가 평평해지고 1보다 작으면 뾰족해집니다)"
    ),
    "request_causal_not_boolean": "causal 값은 true나 false여야 합니다: {value}",
    "request_field_not_whole_number": "{field} 값은 정수여야 합니다: {value}",
    "request_field_not_index": "{field} 값은 0 이상의 정수여야 합니다: {value!r}",
    "request_field_not_a_choice": "{field} 값은 {choices} 중 하나여야 합니다: {value!r}",
    "request_sentence_missing": "{field} 값은 문장이어야 합니다: {text!r}",
    "request_prompt_missing": "text 값은 이어 쓸 프롬프트여야 합니다: {text!r}",
    "request_model_not_registered": "{field} 값은 등록된 모델 중 하나여야 합니다: {model!r}. 모델: {listing}",
    "request_no_models": (
        "{field} 값은 등록된 모델이어야 하지만 등록된 모델이 없습니다(models extra를 설치하세요): {model!r}"
    ),
    "request_token_invalid": (
        '{field} 값은 텍스트의 토큰(예: "it" 같은 단어)이나 0부터 센 그 위치여야 합니다: {value!r}'
    ),
    "request_query_missing": "query가 없습니다: 텍스트의 토큰을 주세요",
    "request_max_new_tokens_invalid": "max_new_tokens 값은 1부터 {most}까지의 정수여야 합니다: {value!r}",
    "request_d_model_not_divisible": (
        "d_model을 헤드 {num_heads}개로 나눌 수 없습니다: {d_model}. 헤드 수 {num_heads}의 배수인 d_model을 고르세요"
    ),
    "request_seed_out_of_range": "seed 값은 0부터 {most}까지의 정수여야 합니다: {seed!r}",
    "request_head_out_of_range": "head 값은 0부터 {last}까지의 헤드 번호여야 합니다: {head!r}",
    # web requests over the explorer's limits (surfaces/server/limits.py and the requests)
    "web_input_too_many_queries": (
        "입력의 query 위치(L)가 너무 많습니다: {size}개. 웹 탐색기는 최대 {limit}개까지 받습니다(max_tokens)."
        " 더 큰 입력에는 Python API나 명령줄을 쓰세요"
    ),
    "web_input_too_many_keys": (
        "입력의 key 위치(S)가 너무 많습니다: {size}개. 웹 탐색기는 최대 {limit}개까지 받습니다(max_tokens)."
        " 더 큰 입력에는 Python API나 명령줄을 쓰세요"
    ),
    "web_input_too_many_features": (
        "입력의 query/key 특성(E)이 너무 많습니다: {size}개. 웹 탐색기는 최대 {limit}개까지 받습니다(max_dim)."
        " 더 큰 입력에는 Python API나 명령줄을 쓰세요"
    ),
    "web_input_too_many_value_features": (
        "입력의 value 특성(Ev)이 너무 많습니다: {size}개. 웹 탐색기는 최대 {limit}개까지 받습니다(max_dim)."
        " 더 큰 입력에는 Python API나 명령줄을 쓰세요"
    ),
    "web_number_over_limit": (
        "{name}의 {row}번 행 {column}번 열이 너무 큽니다: {value:g}. 웹 탐색기는 크기가 {limit:g} 이하인 숫자만"
        " 받습니다(max_abs_value). 그래야 q * k가 넘치지 않습니다"
    ),
    "web_scale_over_limit": "scale 값이 너무 큽니다: {scale:g}. 웹 탐색기는 {limit:g}까지 받습니다(max_abs_value)",
    "web_mask_over_limit": (
        "mask에 너무 큰 값이 있습니다: {value:g}. float mask는 크기가 {limit:g} 이하인 오프셋(max_abs_value)과"
        ' key를 막는 "-inf"를 받습니다'
    ),
    "web_tokens_over_limit": (
        "{name}의 항목이 너무 많습니다: {count}개. 웹 탐색기는 최대 {limit}개까지 받습니다(max_tokens)"
    ),
    "web_token_too_long": "{name}의 토큰 하나가 너무 깁니다: {length}자. 최대 {limit}자입니다(max_text_chars)",
    "web_request_token_too_long": "{field} 값이 너무 깁니다: {length}자. 최대 {limit}자입니다(max_text_chars)",
    "web_text_too_long": "text가 너무 깁니다: {length}자. 웹 탐색기는 최대 {limit}자까지 받습니다(max_text_chars)",
    "web_text_too_many_tokens": (
        "텍스트의 토큰이 너무 많습니다: {count}개. 웹 탐색기는 최대 {limit}개까지 받습니다(max_tokens)"
    ),
    "web_model_tokens_over_limit": (
        "모델 {model!r}의 토큰으로 센 텍스트가 너무 깁니다: {count}개(특수 토큰 포함). 웹 탐색기는 최대 {limit}개까지"
        " 받습니다(max_tokens). 텍스트를 줄이세요"
    ),
    "web_model_tokens_over_limit_cli": (
        "모델 {model!r}의 토큰으로 센 텍스트가 너무 깁니다: {count}개. 웹 탐색기는 최대 {limit}개까지"
        " 받습니다(max_tokens). 더 긴 텍스트에는 명령줄을 쓰세요"
    ),
    "web_max_new_tokens_over_limit": (
        "max_new_tokens 값이 너무 큽니다: {count}. 웹 탐색기는 토큰을 최대 {most}개까지 생성합니다(max_new_tokens)."
        " 더 많이 생성하려면 명령줄(selfattention generate)을 쓰세요"
    ),
    "web_prompt_over_limit": (
        "프롬프트와 생성할 토큰이 너무 많습니다: 모델 {model!r}의 토큰으로 프롬프트가 {tokens}개, 더 생성할 토큰이"
        " {count}개. 웹 탐색기는 모두 합쳐 최대 {most}개까지 받습니다(max_tokens)."
        " 프롬프트를 줄이거나 더 적게 요청하세요"
    ),
    # records and their formats (render/formats.py), pictures (render/plot.py, render/panel.py)
    "record_has_no_picture": "그림이 없는 기록입니다: {kind}. 이 기록은 숫자가 핵심입니다",
    "record_type_unknown": "렌더링할 수 없는 기록 타입입니다: {kind}. {names} 중 하나를 주세요",
    "explanation_type_mismatch": (
        "설명의 타입이 맞지 않습니다: {given}. {record}에는 {expected} 타입의 설명이 필요합니다"
    ),
    "show_wrong_record": (
        "show()는 AttentionTrace, LayerTrace, HeadsReport를 받습니다: {kind}. sa.trace, sa.text_layer_trace,"
        " sa.model_trace, sa.rank_heads로 만드세요"
    ),
    "plot_needs_matplotlib": "그림에는 matplotlib이 필요하지만 설치되어 있지 않습니다: {hint}",
    "picture_format_unknown": "지원하지 않는 그림 형식입니다: {format!r}. {choices} 중 하나를 고르세요",
    "plot_extension_unknown": (
        "plot 파일의 확장자(.{extension})가 맞지 않습니다: {path!r}. .png나 .svg로 끝나는 이름을 주세요"
    ),
    "plot_extension_missing": "plot 파일에 확장자가 없습니다: {path!r}. .png나 .svg로 끝나는 이름을 주세요",
    "cmap_unknown": "matplotlib 컬러맵이 아닙니다: {cmap!r}. {default!r}, 'viridis', 'RdBu_r' 가운데 하나를 써 보세요",
    "plot_trace_without_queries": "트레이스에 추적한 쿼리가 없습니다: 그릴 가중치 행이 없습니다",
    "plot_traces_empty": "traces가 비어 있습니다: 헤드마다 트레이스를 하나씩 주세요",
    "plot_traces_differ": (
        "{trace}번 트레이스의 토큰이나 추적한 쿼리가 0번 트레이스와 다릅니다: 그리드는 한 시퀀스의 헤드들을 비교합니다"
    ),
    "plot_heads_grid_wrong_shape": (
        "weights의 모양이 맞지 않습니다: {shape}. heads_grid에는 비어 있지 않은 (heads, rows, cols) 배열이 필요합니다"
    ),
    "plot_not_a_matrix": "{name} 값이 숫자 행렬이 아닙니다: 2차원 배열 (rows, cols)을 주세요",
    "plot_matrix_wrong_shape": (
        "{name}의 모양이 맞지 않습니다: {shape}. 비어 있지 않은 2차원 행렬 (rows, cols)을 주세요"
    ),
    "plot_labels_one_string": "{name} 값이 문자열 하나입니다: 레이블 {count}개의 목록을 주세요",
    "plot_labels_count": "{name}의 항목은 {given}개인데 행렬에는 {count}개가 있습니다: 하나마다 레이블을 하나씩 주세요",
    "plot_blocked_wrong": (
        "blocked의 모양과 dtype이 맞지 않습니다: {shape}, {dtype}. 모양이 {expected}인 불리언(bool) 배열을 주세요"
    ),
    "plot_highlight_out_of_range": (
        "highlight_rows에 맞지 않는 값이 있습니다: {value!r}. 0부터 {last}까지의 행 위치를 주세요"
    ),
    # answers to an exercise (explain/checker.py; a wrong number says not_a_number or not_finite)
    "check_document_incomplete": (
        'JSON 객체에 "exercise"(selfattention exercise가 쓰는 그대로)와 "answers"가 있어야 합니다'
    ),
    "answers_not_object": "answers가 객체가 아닙니다: {value}. {steps} 중 하나 이상이 든 객체를 주세요",
    "answers_unknown_step": "answers에 알 수 없는 항목이 있습니다: {name}. {steps} 중에서 주세요",
    "answers_empty": "answers가 비어 있습니다: {steps} 중 하나 이상을 주세요",
    "answers_row_count": (
        "answers {step}의 행이 맞지 않습니다: {value}. 물어본 쿼리마다 한 행씩, 순서대로 {count}개 행을 주세요"
    ),
    "answers_row_width": "answers {step}의 {row}번 행이 맞지 않습니다: {value}. 숫자 {width}개를 주세요",
    # a layer's queries (explain/layer.py)
    "layer_trace_without_queries": "레이어 트레이스에 추적한 쿼리가 없습니다: 적어도 하나를 추적하세요",
    "layer_query_not_traced": "추적한 토큰에 없는 쿼리입니다: {query!r}. 추적한 토큰: {listing}",
    "layer_query_position_not_traced": "추적하지 않은 쿼리 위치입니다: {position}. 추적한 위치와 토큰: {listing}",
}
