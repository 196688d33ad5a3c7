"""한국어, the refusals met most: files, numbers, queries and tokens, names, outputs, the
command line's own options.
"""

from __future__ import annotations

__all__ = ["ERRORS"]

ERRORS = {
    # input files (--input, check FILE)
    "file_not_found": "입력 파일이 없습니다: {path!r}",
    "file_is_folder": "입력 파일 자리에 폴더가 있습니다: {path!r}. JSON 파일을 주세요",
    "file_not_utf8": "입력 파일이 UTF-8 텍스트가 아닙니다({byte}번 바이트): {path!r}. JSON 파일을 주세요",
    "bad_json": "입력 파일이 올바른 JSON이 아닙니다: {path!r}, {line}번째 줄 {column}번째 글자 ({reason})",
    # numbers typed inline or read from JSON; rows and columns count from 0
    "matrix_empty": '{name}이(가) 비어 있습니다: "1,0,1;0,1,1"처럼 숫자 행을 주세요',
    "row_empty": "{name}의 {row}번 행이 비어 있습니다: 쉼표로 나눈 숫자를 주세요",
    "not_a_number": "{name}의 {row}번 행 {column}번 열이 숫자가 아닙니다: {value}",
    "not_finite": "{name}의 {row}번 행 {column}번 열이 유한한 숫자가 아닙니다: {value}",
    "ragged_rows": (
        "{name}의 {row}번 행에는 숫자가 {count}개, 0번 행에는 {width}개 있습니다: 모든 행의 값 개수가 같아야 합니다"
    ),
    "feature_mismatch": (
        "query의 특성(feature)은 {query}개, key의 특성은 {key}개입니다: query와 key의 마지막 차원이 같아야 합니다"
    ),
    "position_mismatch": (
        "key의 위치는 {key}개, value의 위치는 {value}개입니다: key와 value는 키 위치(S)마다 한 행씩 있어야 합니다"
    ),
    # which query, which token, which layer and head
    "query_not_found": "토큰에 없는 쿼리입니다: {query!r}. 토큰: {listing}",
    "query_out_of_range": (
        "쿼리 위치가 범위를 벗어났습니다: {position}. 쿼리는 {count}개이고, 위치는 0부터 {last}까지입니다"
    ),
    "query_out_of_range_from_end": (
        "쿼리 위치가 범위를 벗어났습니다: {position}. 쿼리는 {count}개이고, 위치는 0부터 {last}까지"
        " (끝에서 세면 {first}부터 -1까지)입니다"
    ),
    "token_out_of_range": (
        "{what} 위치가 범위를 벗어났습니다: {position}. 텍스트의 토큰은 {count}개, 0부터 {last}까지입니다"
    ),
    "token_not_found": (
        "토큰에 없는 {what}입니다: {word!r}. 토큰: {listing}. 목록에 있는 토큰 하나(didn't -> didn ' t처럼"
        " 토크나이저가 여러 토큰으로 나누는 단어도 있습니다)나 0부터 센 위치를 주세요."
    ),
    "model_index_out_of_range": (
        "{what} 번호가 범위를 벗어났습니다: {value}. 모델 {model!r}의 {what}는 {count}개이고,"
        " 번호는 0부터 {last}까지입니다"
    ),
    "text_empty": '텍스트가 비어 있습니다: 문장을 주세요. 예: "The animal didn\'t cross the street."',
    # names: models, formats, languages
    "unknown_model": (
        "알 수 없는 모델입니다: {name!r}. 이름 {names} 중 하나나 로컬 모델 폴더를 주세요(아무것도 내려받지 않습니다)"
    ),
    "unknown_format": "알 수 없는 형식입니다: {format!r}. {choices} 중 하나를 고르세요",
    "unknown_language": "알 수 없는 언어입니다: {lang!r}. {choices} 중 하나를 고르세요",
    # files written (--output, --plot)
    "output_exists": "출력 파일이 이미 있습니다: {path!r}. 덮어쓰려면 --force를 주세요",
    "output_folder_missing": "출력 폴더가 없습니다: {folder!r}",
    # the command line's own refusals
    "input_and_inline": "--input FILE과 인라인 --tokens/--query/--key/--value/--mask 중 하나만 주세요",
    "qkv_together": "--query, --key, --value는 함께 주어야 합니다. 빠진 것: {missing}",
    "tokens_need_qkv": "--tokens와 --mask에는 --query, --key, --value(또는 --input 파일)가 필요합니다",
    "queries_empty": '--queries에 쿼리가 없습니다: {text!r}. 토큰이나 0부터 센 위치를 주세요. 예: "0,2"',
    "exercise_queries": '--queries가 올바르지 않습니다: {text!r}. 연습 문제는 0부터 센 위치를 묻습니다. 예: "0,2"',
    "query_and_queries": "--query WORD와 --queries LIST 중 하나만 주세요",
    "same_file": "--plot과 --output이 같은 파일입니다: {path!r}. 서로 다른 이름을 주세요",
    "option_empty": "{option}이(가) 비어 있습니다: 파일 이름을 주세요({option}을(를) 빼면 아무것도 쓰지 않습니다)",
    "input_empty": "{option}이(가) 비어 있습니다: JSON 파일 이름을 주세요",
    "model_empty": "{option}이(가) 비어 있습니다: 모델 이름이나 로컬 Hugging Face 폴더를 주세요",
}
