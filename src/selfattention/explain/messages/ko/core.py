"""한국어, the refusals raised in core/ and record/."""

from __future__ import annotations

__all__ = ["ERRORS"]

ERRORS: dict[str, str] = {
    # the kernels' inputs (core/kernels/inputs.py): arrays, scale, is_causal, enable_gqa
    "scale_not_real": "scale이 실수가 아닙니다: {value} ({type}). 0.125 같은 실수를 주세요",
    "scale_beyond_float64": "scale이 float64의 범위를 넘습니다: {value}. 유한한 숫자를 주세요",
    "scale_not_finite": "scale이 유한한 숫자가 아닙니다: {value}. 유한한 숫자를 주세요",
    "array_masked": (
        "{name}이(가) NumPy 마스크 배열(masked array)입니다: 그 마스크는 말없이 버려집니다."
        " 어느 키를 볼 수 있는지는 attn_mask로 주거나, 가려진 값을 먼저 채우세요(array.filled(0.0))"
    ),
    "array_unreadable": "{name}을(를) 배열로 읽을 수 없습니다({reason}): 실수로 된 직사각형 배열을 주세요",
    "array_ragged": "{name}의 행 길이가 서로 다르거나 숫자가 아닌 값이 있습니다: 실수로 된 직사각형 배열을 주세요",
    "array_dates": (
        "{name}의 dtype이 숫자가 아닙니다: {dtype}. 실수(float 또는 int)를 주세요. 날짜와 기간은 숫자가 아니니"
        " 직접 바꾸세요(예: array / np.timedelta64(1, 's'))"
    ),
    "array_wrong_dtype": (
        "{name}의 dtype을 쓸 수 없습니다: {dtype}. float16, float32, float64(또는 int)의 실수를 주세요."
        " array.astype(np.float64)로 바꾸세요"
    ),
    "array_too_few_dims": "{name}의 차원이 2개보다 적습니다: shape {shape}. (..., {dims})처럼 2차원 이상을 주세요",
    "zero_features": "query와 key의 특성(feature)이 0개입니다: 내적에는 특성이 하나 이상 필요합니다(E >= 1)",
    "batch_dims_mismatch": "앞쪽 차원이 서로 브로드캐스트되지 않습니다: query {query}, key {key}, value {value}",
    "causal_not_bool": "is_causal은 True나 False여야 합니다: {value!r}",
    "gqa_not_bool": "enable_gqa는 True나 False여야 합니다: {value}",
    "gqa_no_heads_dim": (
        "{name}에 헤드 차원이 없습니다: shape {shape}. enable_gqa=True에는 (..., heads, positions, features)처럼"
        " 헤드 차원이 필요합니다"
    ),
    "gqa_kv_heads_differ": (
        "key의 헤드는 {key}개, value의 헤드는 {value}개입니다: enable_gqa=True에서는 key와 value의 헤드 수(dim -3)가"
        " 같아야 합니다"
    ),
    "gqa_heads_not_multiple": (
        "query의 헤드는 {query}개, key/value의 헤드는 {key}개입니다: enable_gqa=True에서는 query의 헤드 수가"
        " key/value 헤드 수(dim -3)의 배수여야 하고, 이어진 query 헤드 한 묶음이 key/value 헤드 하나를 함께 씁니다"
    ),
    "gqa_mask_heads": (
        "attn_mask의 dim -3에 헤드가 {heads}개 있습니다: shape {shape}. 1개나 query의 헤드 수인 {query}개여야 합니다"
    ),
    # masks (core/masks.py, core/kernels/torch.py)
    "mask_masked_array": (
        "attn_mask가 NumPy 마스크 배열(masked array)입니다: 그 안의 마스크는 말없이 버려집니다."
        " 보통의 bool 배열(True = 볼 수 있음)을 주세요. 예: attn_mask.filled(False)"
    ),
    "mask_wrong_dtype": (
        "attn_mask의 dtype을 쓸 수 없습니다: {dtype}. bool(True = 볼 수 있음)이나 float(점수에 더함, -inf = 막음)를"
        " 주세요. 0/1 정수는 {convert}로 바꾸세요"
    ),
    "mask_not_finite": (
        "attn_mask에 NaN이나 +inf가 있습니다: float 마스크는 점수에 더해지므로"
        " 유한한 숫자와 -inf(막음)만 담을 수 있습니다"
    ),
    "mask_scalar": "attn_mask가 스칼라입니다: (L, S)로 브로드캐스트되는 배열을 주세요",
    "mask_not_broadcast": (
        "attn_mask가 점수의 shape (..., L, S)로 브로드캐스트되지 않습니다: 점수 {target}, attn_mask {shape}"
    ),
    "mask_enlarges_scores": (
        "attn_mask가 점수의 shape를 키웁니다: 점수 {target}, attn_mask {shape}."
        " 마스크는 (..., L, S)로 브로드캐스트되어야 하고, 그보다 커지면 안 됩니다"
    ),
    "padding_mask_not_2d": "key_padding_mask의 shape는 (batch, key_pos)여야 합니다: {shape}",
    "padding_mask_wrong_shape": (
        "key_padding_mask의 shape가 맞지 않습니다: {shape}. {expected}, 곧 (batch, S)를 주세요."
        " True = 실제 키, False = 패딩입니다"
    ),
    "padding_mask_wrong_shape_unbatched": (
        "key_padding_mask의 shape가 맞지 않습니다: {shape}. {expected}, 곧 배치 차원이 없는 x에 맞는 (S,)를 주세요."
        " True = 실제 키, False = 패딩입니다"
    ),
    "padding_mask_wrong_dtype": (
        "key_padding_mask의 dtype을 쓸 수 없습니다: {dtype}. bool(True = 실제 키, False = 패딩)이나"
        " float(점수에 더함, -inf = 막음)를 주세요"
    ),
    "padding_mask_not_finite": (
        "key_padding_mask에 NaN이나 +inf가 있습니다: float 마스크는 유한한 숫자와 -inf만 담을 수 있습니다"
    ),
    # choosing a kernel (core/kernels/)
    "unknown_implementation": "알 수 없는 implementation입니다: {implementation!r}. {choices} 중 하나를 고르세요",
    "fused_needs_numba": (
        "implementation 'fused'에는 numba가 필요합니다: pip install 'selfattention[fast]'로 설치하거나"
        " 'blocked'를 쓰세요"
    ),
    "numba_not_loaded": (
        "implementation 'fused'에는 numba가 필요한데, 설치되어 있지만 불러올 수 없습니다(위의 경고를 보세요):"
        " 다시 설치하거나(pip install -U numba) 'blocked'를 쓰세요"
    ),
    "torch_tensors_given": (
        "NumPy 배열을 받는 implementation에 torch 텐서가 주어졌습니다: {implementation!r}."
        ' implementation="torch"(또는 "auto")를 쓰거나, tensor.detach().cpu().numpy()를 주세요'
    ),
    "unknown_blocked_method": "알 수 없는 method입니다: {method!r}. 'auto', 'online', 'bounded' 중 하나를 고르세요",
    "block_size_not_positive": "블록 크기는 1 이상이어야 합니다: block_q={block_q}, block_k={block_k}",
    "threads_not_positive": "threads는 양의 스레드 수나 None이어야 합니다: {threads}",
    # torch tensors (core/kernels/torch.py)
    "torch_not_installed": "PyTorch가 설치되어 있지 않습니다: 쓰려면 pip install 'selfattention[torch]'로 설치하세요",
    "torch_mixed_inputs": (
        "다른 입력은 torch 텐서인데 {name}은(는) 아닙니다: {type}."
        " query, key, value를 모두 torch 텐서로 주거나 모두 배열로 주세요"
    ),
    "torch_wrong_dtype": "{name}의 dtype을 쓸 수 없습니다: {dtype}. 실수(float 또는 int)를 주세요",
    "torch_devices_differ": "query, key, value가 서로 다른 장치에 있습니다: {devices}. 한 장치에 두세요",
    # budgets (core/limits.py)
    "scores_over_budget": (
        "reference 커널이 만들 점수 행렬이 예산을 넘습니다: {shape} 크기의 {dtype} 행렬({size}),"
        " 예산 {budget}(selfattention.core.limits.MAX_SCORE_BYTES). 점수를 한 번에 한 블록씩만 들고 있는"
        ' implementation="blocked"를 쓰거나, 쿼리 몇 개만 추적하세요(trace(queries=...), 명령줄에서는 --queries)'
    ),
    "weights_over_score_budget": (
        "attention_weights가 만들 점수 행렬이 예산을 넘습니다: {shape} 크기의 {dtype} 행렬({size}),"
        " 예산 {budget}(selfattention.core.limits.MAX_SCORE_BYTES). 한 번에 더 적은 쿼리의 가중치를 묻거나,"
        " 쿼리 몇 개만 추적하세요(trace(queries=...), 명령줄에서는 --queries)"
    ),
    "trace_over_budget": (
        "쿼리 {queries}개, 키 {keys}개(d = {d})를 추적하면 숫자 {numbers}개(float64로 {size})를 저장하게 되어"
        " 추적 예산 {budget}개(selfattention.core.limits.MAX_TRACE_NUMBERS)를 넘습니다: trace(queries=[...])"
        "(명령줄에서는 --queries)로 쿼리 몇 개만 추적하거나,"
        ' scaled_dot_product_attention(..., implementation="blocked")로 출력만 계산하세요'
    ),
    "layer_scores_over_budget": (
        "레이어는 헤드 {heads}개 각각의 점수 행렬 전체를 계산합니다: float64로 {heads} x {query_len} x {key_len}이면"
        " {size}로, 어떤 쿼리를 추적하든 예산({budget}, selfattention.core.limits.MAX_SCORE_BYTES)을 넘습니다."
        " 텍스트를 토큰 {fit}개 이하로 줄이거나, 헤드 수를 줄이세요"
    ),
    "layer_trace_over_budget": (
        "헤드 {heads}개 각각에서 키 {keys}개(d_model = {d_model})에 대해 쿼리 {queries}개를 추적하면 숫자 {numbers}개"
        "(float64로 {size})를 저장하게 되어 추적 예산 {budget}개(selfattention.core.limits.MAX_TRACE_NUMBERS)를"
        " 넘습니다: 쿼리는 {fit}개까지 들어갑니다. 더 적게 추적하세요(queries=[...], 명령줄에서는 --queries)"
    ),
    "layer_trace_none_fits": (
        "헤드 {heads}개 각각에서 키 {keys}개(d_model = {d_model})에 대해 쿼리 {queries}개를 추적하면 숫자 {numbers}개"
        "(float64로 {size})를 저장하게 되어 추적 예산 {budget}개(selfattention.core.limits.MAX_TRACE_NUMBERS)를"
        " 넘습니다: 쿼리 하나도 들어가지 않습니다. 텍스트를 줄이거나 더 좁은 d_model을 쓰세요"
    ),
    # the written output's budget: its only caller is the command line (surfaces/cli/output.py),
    # whose advice ("pick them with --queries", "use fewer tokens or narrower vectors") is said here
    "output_over_budget": (
        "쿼리 {queries}개의 출력은 약 {size}로, 출력 예산({budget}, selfattention.core.limits.MAX_OUTPUT_BYTES)을"
        " 넘습니다: 쿼리는 {fit}개까지 들어갑니다. --queries로 고르세요"
    ),
    "output_none_fits": (
        "쿼리 {queries}개의 출력은 약 {size}로, 출력 예산({budget}, selfattention.core.limits.MAX_OUTPUT_BYTES)을"
        " 넘습니다: 쿼리 하나도 들어가지 않습니다. 토큰 수를 줄이거나 더 좁은 벡터를 쓰세요"
    ),
    # ring attention (core/ring/)
    "ring_needs_distributed": (
        "ring_attention은 torch.distributed 위에서 돌아갑니다: 먼저 모든 rank에서"
        " torch.distributed.init_process_group을 부르거나(torchrun은 init_method='env://'로 부릅니다),"
        " selfattention.distributed.run_local을 쓰세요"
    ),
    "ring_unknown_layout": "알 수 없는 layout입니다: {layout!r}. {choices} 중 하나를 고르세요",
    "ring_block_q_not_positive": "block_q는 타일마다 쿼리 행이 1개 이상이어야 합니다: {block_q}",
    "ring_not_tensor": "{name}이(가) torch 텐서가 아닙니다: {type}. ring_attention은 torch 텐서를 받습니다",
    "ring_too_few_dims": "{name}의 shape는 (..., positions, features)여야 합니다: {shape}",
    "ring_not_float": "{name}의 dtype은 부동소수점이어야 합니다: {dtype}",
    "ring_positions_differ": (
        "query, key, value의 위치가 각각 {query}개, {key}개, {value}개입니다: 각 rank는 셋 모두의 같은 위치를"
        " 가집니다(셀프 어텐션)"
    ),
    "ring_lead_dims_differ": (
        "key의 앞쪽 차원은 {key}, value의 앞쪽 차원은 {value}입니다: 둘은 함께 전달되므로 같아야 합니다"
    ),
    "ring_padding_mask_dtype": (
        "key_padding_mask의 dtype은 bool이어야 합니다: {dtype}. True = 볼 수 있음입니다"
        "(nn.MultiheadAttention의 key_padding_mask와 반대이니 ~mask를 주세요)"
    ),
    "ring_padding_mask_shape": (
        "key_padding_mask의 shape가 맞지 않습니다: {shape}. ({length},)나 (batch, {length})를 주세요."
        " batch = key.shape[0] = {batch}"
    ),
    "ring_layout_mismatch": (
        "rank들이 가진 위치 수는 {sizes}인데, 위치 {total}개를 rank {world}개에 나누는 zigzag 레이아웃은"
        " {expected}입니다: selfattention.distributed.shard(x, rank, world_size, layout='zigzag')로 입력을 자르세요"
    ),
    "ring_split_parts": "시퀀스를 나눌 조각 수는 1 이상이어야 합니다: {parts}",
    "ring_unshard_pieces": "조각이 {pieces}개 주어졌지만 레이아웃의 rank는 {ranks}개입니다",
    "ring_length_negative": "length는 0 이상의 위치 수여야 합니다: {length}",
    # traces (record/): labels, queries, documents
    "labels_one_string": (
        "{name}이(가) 문자열 하나입니다: {what} 위치({dim})마다 하나씩, 문자열 {count}개의 리스트를 주세요"
    ),
    "labels_wrong_count": (
        "{name}의 항목은 {entries}개인데 {what} 위치({dim})는 {count}개입니다: 위치마다 레이블을 하나씩 주세요"
    ),
    "label_control_char": (
        "{name}의 {entry}번 항목에 제어 문자(줄바꿈, 탭 등)가 있습니다: {label!r}. 'NL'처럼 보이는 이름을 주세요"
    ),
    "queries_bad_item": "queries에 쿼리 위치(정수)도 토큰도 아닌 값이 있습니다: {value!r}",
    "query_not_traced": "추적하지 않은 쿼리입니다: {query!r}. 추적한 쿼리: {traced}",
    "trace_not_2d": (
        "{name}이(가) 2차원이 아닙니다: shape {shape}. 트레이스는 시퀀스 하나와 헤드 하나를 다루므로"
        " {name}은(는) 2차원이어야 합니다. 예: {name}[batch, head]처럼 하나를 고르세요"
    ),
    "trace_not_finite": (
        "{name}의 {at} 자리에 유한하지 않은 숫자(NaN이나 inf)가 있습니다: 트레이스에는 유한한 숫자가 필요합니다"
    ),
    "trace_no_keys": "key와 value의 위치가 0개입니다: 쿼리에는 키가 하나 이상 필요합니다(S >= 1)",
    "dot_product_overflow": (
        "{dtype}의 범위를 넘는 내적입니다: q{query}·k{key}. 곱하기에는 숫자가 너무 큽니다"
        "(|q|의 가장 큰 값 {q_max}, |k|의 가장 큰 값 {k_max}). 입력을 작게 줄이세요"
    ),
    "not_a_trace_document": '트레이스 문서가 아닙니다: "format": "{format}" 항목이 있는 객체를 주세요',
    "trace_document_invalid": "올바른 트레이스 문서가 아닙니다: {reason}",
    "trace_document_too_deep": "올바른 트레이스 문서가 아닙니다: 너무 깊이 중첩되어 있습니다",
    "trace_json_invalid": "트레이스 JSON이 올바르지 않습니다: {reason}",
    "trace_json_too_deep": "트레이스 JSON이 너무 깊이 중첩되어 있습니다: 트레이스 문서를 주세요",
    "layer_trace_head_not_found": (
        "없는 헤드입니다: {head!r}. 이 레이어의 헤드는 {count}개이고, 번호는 0부터 {last}까지입니다"
    ),
    "not_a_layer_trace_document": '레이어 트레이스 문서가 아닙니다: "format": "{format}" 항목이 있는 객체를 주세요',
    "layer_trace_document_invalid": "올바른 레이어 트레이스 문서가 아닙니다: {reason}",
    "layer_trace_json_invalid": "레이어 트레이스 JSON이 올바르지 않습니다: {reason}",
}
