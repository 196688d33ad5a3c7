"""Korean labels: the short words of tables, figures, the page and the commands."""

from __future__ import annotations

LABELS: dict[str, str] = {
    "query": "쿼리",
    "key": "키",
    "value": "밸류",
    "tokens": "단어",
    "sum": "합",
    "weights": "가중치",
    "output": "출력",
    "blocked": "가려짐",
    "meaning": "○ 의미",
    "matrix_view": "행렬로 한 번에 보기",
    "scores": "Q K^T (내적)",
    "scaled": "스케일링 후 마스크 더하기",
    "scaled_no_mask": "스케일링",
    "softmax": "행마다 소프트맥스 (가중치)",
    "times_v": "가중치 × V (가중합, 출력)",
    "max": "최댓값",
    "not_traced": "계산하지 않음",
    "all_blocked": "모든 키가 가려져 있으므로 가중치는 정의에 따라 모두 0입니다 (0/0, 즉 NaN이 아닙니다).",
    "heatmap": "가중치를 그림으로 보기",
    "plot_every_nth": "단어 {total}개: {step}개마다 하나씩 이름을 적었습니다",
    "plot_glyphs_missing": (
        "#n으로 적힌 이름(과 …로 적힌 글자)은 설치된 글꼴로 그릴 수 없는 글자입니다:"
        " 한글 글꼴(예: fonts-noto-cjk)을 설치하거나, 브라우저가 글자를 그리는 SVG로 저장하세요."
    ),
    "plot_unavailable": (
        "그림을 그리려면 matplotlib이 필요하지만 설치되어 있지 않습니다: pip install 'selfattention[plot]'"
    ),
    # 출력 상한 ({shown}, {total}, {limit}은 렌더러가 채웁니다)
    "queries_shown": "쿼리 {total}개 중 {shown}개만 아래에 풀어 씁니다. 다른 쿼리는 --queries로"
    " 고르세요 (Python에서는 queries=).",
    "keys_shown": "키 {total}개 중 가중치가 가장 큰 {shown}개만 보여 줍니다.",
    "matrix_omitted": "전체 행렬은 단어 {limit}개까지만 그립니다. 이 입력은 {total}개입니다.",
    "first_of": "{total}개 중 처음 {shown}개",
    "largest_terms": "내적마다 항이 {d}개 있습니다 (d = {d}). 크기가 가장 큰 {n}개만 적고, 나머지 작은 항"
    " {rest}개는 끝에 한꺼번에 더했습니다.",
    "smaller_terms": "작은 항",
    "model_title": '{model}, 레이어 {layer}, 헤드 {head}: "{text}"',
    "model_check": "Q, K, V는 레이어 {layer}의 어텐션이 받는 그대로(프로젝션과 회전 위치 인코딩 뒤) 가져와"
    " {rebuilt}로 계산했습니다. 가중치 {rows}행 모두 모델이 직접 돌려준 어텐션({model_dtype})과 같고,"
    " 가장 큰 차이는 {difference}입니다.",
    "heads_title": '"{query}" 단어가 {model}의 모든 헤드에서 보는 곳: "{text}"',
    "heads_key_title": '{model}의 모든 헤드에서 "{query}" 단어가 "{key}" 단어에 주는 가중치: "{text}"',
    "heads_check": "헤드 {count}개의 가중치를 모두 모델의 가중치로 float64에서 다시 계산했습니다. 모델이 직접"
    " 돌려준 어텐션과의 가장 큰 차이는 {difference}입니다.",
    "heads_sink_note": "* = 가중치의 {share} 이상이 특수 토큰({tokens})이나 첫 단어로 갑니다. 할 일이 없는"
    " 헤드가 어텐션을 흔히 놓아 두는 곳입니다.",
    "heads_top": '"{query}" 단어의 가장 무거운 키가 받는 가중치로 고른 상위 헤드 {shown}개(전체 {count}개 중),'
    " 무거운 순서입니다.",
    "heads_top_key": '"{query}" 단어가 "{key}" 단어에 주는 가중치로 고른 상위 헤드 {shown}개(전체 {count}개 중),'
    " 무거운 순서입니다.",
    "heaviest_key": "가장 무거운 키",
    "layer": "레이어",
    "head": "헤드",
    "rank": "순위",
    "top_keys": "가중치가 큰 키",
    "sink": "쏠림",
    "position": "위치",
    "embedding": "임베딩",
    "positional_encoding": "위치 인코딩",
    "layer_input": "X = 임베딩 + 위치 인코딩",
    "concat": "이어 붙인 출력",
    "layer_output": "출력",
    # the web page's own controls
    "page_title": "셀프 어텐션, 한 단계씩",
    "page_subtitle": "쿼리를 고르고 내적, 스케일링, 소프트맥스, 가중합을 차례로 살펴보세요.",
    "page_language": "언어",
    "page_source": "입력",
    "page_source_example": "예시",
    "page_source_vectors": "직접 입력한 벡터",
    "page_tokens": "토큰",
    "page_add_token": "토큰 추가",
    "page_remove_token": "마지막 토큰 삭제",
    "page_add_dim": "차원 추가",
    "page_remove_dim": "마지막 차원 삭제",
    "page_reset": "예시로 돌아가기",
    "page_heatmap": "어텐션 가중치",
    "page_heatmap_help": "행은 쿼리, 열은 키입니다. 행을 클릭하거나 화살표 키와 Enter로 쿼리를 고르세요.",
    "page_query_picked": "쿼리",
    "page_block_mode": "셀을 클릭해 그 키를 가리기(마스크)",
    "page_blocked_cell": "가려짐",
    "page_causal": "인과(causal) 마스크",
    "page_temperature": "온도",
    "page_temperature_help": "1보다 크면 소프트맥스가 평평해지고, 1보다 작으면 뾰족해집니다.",
    "page_scale": "스케일",
    "page_entropy": "엔트로피",
    "page_effective_keys": "실제로 보는 키의 수",
    "page_nats": "nats",
    "page_steps": "단계별 계산",
    "page_downloads": "내려받기",
    "page_download_json": "트레이스 (JSON)",
    "page_download_png": "히트맵 (PNG)",
    "page_download_report": "보고서 (HTML)",
    "page_error": "오류",
    "page_loading": "계산 중…",
    "page_source_model": "실제 모델",
    "page_model": "모델",
    "page_sentence": "문장",
    "page_layer": "레이어",
    "page_head": "헤드",
    "page_run": "모델 실행",
    "page_source_text": "문장 (설명용 레이어)",
    "page_d_model": "d_model",
    "page_heads": "헤드 수",
    "page_seed": "시드",
    "page_run_text": "레이어에 통과시키기",
    # the explorer's views (issue #15): every head, a layer's heads, the head view, the pipeline
    "page_query_word": "쿼리 단어",
    "page_key_word": "키 단어 (선택)",
    "page_heads_grid": "모든 헤드 한눈에 보기",
    "page_heads_grid_help_key": '각 칸은 한 헤드에서 "{query}"가 "{key}"에 주는 가중치입니다. 칸을 '
    "클릭하거나 화살표 키와 Enter로 그 헤드를 여세요.",
    "page_heads_grid_help_top": '각 칸은 한 헤드에서 "{query}"의 가장 큰 가중치와 그 키입니다. 칸을 '
    "클릭하거나 화살표 키와 Enter로 그 헤드를 여세요.",
    "page_sink": "싱크",
    "page_sink_help": "◆ 표시는 쿼리 가중치의 {share} 이상을 {tokens} 또는 첫 토큰에 두는 "
    "헤드입니다. 헤드는 쓸 데 없는 어텐션을 흔히 그곳에 둡니다.",
    "page_head_short": "H",
    "page_layer_view": "레이어 {layer}: 모든 헤드",
    "page_layer_view_help": "각 네모는 한 헤드의 전체 패턴입니다. 행은 쿼리, 열은 키이고 테두리 친 행이 "
    "지금의 쿼리입니다. 네모를 고르면 그 헤드가 열립니다.",
    "page_head_view": "헤드 보기: 쿼리가 보는 곳",
    "page_head_view_help": "왼쪽의 쿼리에서 오른쪽의 모든 키로 선이 이어집니다. 선이 굵고 진할수록 가중치가 "
    "큽니다. 왼쪽에서 다른 쿼리를 고르세요 (화살표 키와 "
    "Enter도 됩니다).",
    "page_check": "모델이 직접 낸 어텐션과 대조했습니다: {rows}개 행에서 가장 큰 차이는 "
    "{difference}입니다 (허용: {tolerance}).",
    "page_qkv": "Q, K, V: 숫자 {count}개",
    "page_pipeline": "레이어 전체, 한 단계씩",
    "page_pipeline_help": "단어에서 레이어의 출력까지, 모든 숫자와 함께. 버튼으로 앞뒤로 이동하세요.",
    "page_previous": "이전 단계",
    "page_next": "다음 단계",
    "page_step_of": "{total}단계 중 {n}단계",
    "page_pipe_tokens": "토큰",
    "page_pipe_tokens_help": "문장을 토큰으로 나누고 각 토큰에 위치를 붙입니다.",
    "page_pipe_embeddings": "임베딩",
    "page_pipe_embeddings_help": "토큰마다 d_model개의 숫자로 된 벡터 하나 (설명용: 학습된 "
    "것이 아니라 토큰의 해시로 만든 값).",
    "page_pipe_positions": "위치 인코딩",
    "page_pipe_positions_help": "위치의 사인과 코사인: 같은 단어라도 자리가 다르면 다른 벡터가 됩니다.",
    "page_pipe_x": "X = 임베딩 + 위치 인코딩",
    "page_pipe_x_help": "레이어의 입력: 위의 두 표를 숫자끼리 더한 것입니다.",
    "page_pipe_qkv": "헤드 {head}의 Q, K, V",
    "page_pipe_qkv_help": "Q = X W_Q, K = X W_K, V = X W_V이고, 헤드 {head}는 각각의 {first}~{last}번째 열을 씁니다.",
    "page_pipe_heads": "모든 헤드의 어텐션",
    "page_pipe_heads_help": "헤드마다 자기 Q와 K를 비교하므로 가중치도 헤드마다 다릅니다. "
    "하나를 고르면 그 선이 보입니다.",
    "page_pipe_concat": "이어 붙이기 (concatenation)",
    "page_pipe_concat_help": "모든 헤드의 출력을 나란히 붙입니다: 토큰마다 다시 d_model개의 숫자가 됩니다.",
    "page_pipe_output": "출력 = 이어 붙인 것 × W_O",
    "page_pipe_output_help": "W_O가 헤드들의 출력을 섞어 레이어의 출력을 만듭니다. 토큰마다 한 행입니다.",
    "page_position": "위치",
    "page_tab_explore": "살펴보기",
    "page_tab_exercise": "연습 문제",
    "page_new_exercise": "새 문제",
    "page_check_answers": "채점하기",
    "page_show_answers": "정답 보기",
    "page_diagnosis": "진단",
    # generation on the page (static/generate.js) and the causal mask's legend
    "page_causal_help": "×는 쿼리가 볼 수 없는 키입니다. (디코더의) 인과 마스크에서는"
    " 각 토큰이 자기 자신과 앞의 토큰들만 보므로, 뒤의 토큰들은 가중치 0을 받습니다.",
    "page_generate": "토큰 하나씩 생성하기",
    "page_generate_help": "디코더가 가장 그럴듯한 토큰을 골라 문장을 한 번에 한 토큰씩"
    " 이어 씁니다. 새 토큰의 쿼리는 KV 캐시에 저장된 키들과 자기 자신의 키를 봅니다."
    " 앞뒤로 이동하며 행이 자라는 모습을 보세요 (화살표 키, Home, End도 됩니다).",
    "page_new_tokens": "새 토큰 수",
    "page_generate_run": "생성하기",
    "page_previous_token": "이전 토큰",
    "page_next_token": "다음 토큰",
    "page_generate_step": "{total}개 토큰 중 {n}번째",
    "page_generate_reads_prompt": '프롬프트는 한 번에 읽습니다: 마지막 토큰 "{read}"'
    '(위치 {position})이 키 {keys}개를 보고, 모델은 "{chosen}"을 고릅니다.',
    "page_generate_reads": '새 토큰 "{read}"(위치 {position})은 키 {keys}개를 봅니다:'
    ' KV 캐시의 {cached}개와 자기 자신의 키입니다. 모델은 "{chosen}"을 고릅니다.',
    "page_generate_check": "캐시 없이 처음부터 다시 계산한 같은 행과의 차이는 최대"
    " {difference}입니다 (허용: {tolerance}). 캐시를 쓴 모델 자신의 가중치와의 차이는"
    " {model}입니다.",
    "page_generate_future": "아직 생성되지 않음",
    # 연습 문제 (selfattention exercise)와 채점 (selfattention check)
    "exercise_title": "손으로 풀어 보는 셀프 어텐션: 연습 문제 {seed}",
    "exercise_intro": "아래의 Q, K, V로 물어본 쿼리들의 셀프 어텐션을 계산하세요. 위치는 0부터 셉니다:"
    " q0은 첫 번째 단어의 쿼리, k1은 두 번째 단어의 키입니다. 소수 넷째 자리까지 반올림하세요.",
    "exercise_causal": "인과(causal) 마스크: 각 단어는 자기 자신과 앞의 단어들만 봅니다. 뒤의 키는 가려져(×)"
    " 있으니 점수는 비워 두고, 가중치는 0입니다.",
    "exercise_mask": "마스크: 가려진 키(×)는 소프트맥스에서 빠집니다. 점수는 비워 두고, 가중치는 0입니다.",
    "exercise_asked": "물어본 쿼리: {queries}.",
    "exercise_step_dot_products": "1. 모든 키와의 내적 q·k: 원소끼리 곱한 뒤 모두 더합니다.",
    "exercise_step_scaled_scores": "2. 스케일링한 점수: 내적마다 스케일 값을 곱합니다.",
    "exercise_step_weights": "3. 가중치: 스케일링한 점수의 각 행에 소프트맥스를 취합니다 (소수 넷째 자리까지).",
    "exercise_step_output": "4. 출력: 각 밸류 벡터에 가중치를 곱해 모두 더합니다 (가중합).",
    "exercise_answers": "정답",
    "exercise_how_to_check": "답을 채점하려면 이 문제를 JSON으로 저장하고 (--format json), dot_products,"
    ' scaled_scores, weights, output 중 원하는 것을 "answers"에 적은 뒤 (물어본 쿼리마다 한 행)'
    " 실행하세요: selfattention check FILE.json",
    "exercise_name": "이름",
    "check_dot_products": "내적",
    "check_scaled_scores": "스케일링한 점수",
    "check_weights": "가중치",
    "check_output": "출력",
    "check_right": "맞음",
    "check_wrong": "틀림",
    "check_not_given": "답 없음",
    "check_given": "적은 값",
    "check_expected": "내 숫자로 계산한 값",
}
