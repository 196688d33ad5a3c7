"""한국어, the web server's refusals of a request itself: its type, size, host and path."""

from __future__ import annotations

__all__ = ["ERRORS"]

ERRORS = {
    "body_not_json": "요청 본문의 형식이 다음과 같습니다: {media_type}. Content-Type: application/json으로 보내 주세요",
    "body_too_large": "요청 본문이 {size}바이트입니다: 최대 {limit}바이트입니다 (max_body_bytes)",
    "body_over_limit": "요청 본문이 {limit}바이트를 넘습니다 (max_body_bytes)",
    "host_not_allowed": (
        "Host 헤더의 이름이 다음과 같습니다: {host!r}. 이 서버는 {names}에만 답합니다"
        " (serve --allow-host NAME으로 이름을 더할 수 있습니다)"
    ),
    "no_static_file": "정적 파일이 없습니다: {name!r}. 페이지의 파일은 {files}입니다",
    "not_served": (
        "여기서 제공하지 않는 주소입니다: {where}. 페이지는 /에, API는 /api/ 아래에 있습니다(/openapi.json 참고)"
    ),
    "request_invalid": "요청이 올바르지 않습니다: {where}: {reason}",
    "internal_error": "내부 오류입니다({name}): 알려 주세요",
}
