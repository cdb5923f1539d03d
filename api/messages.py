"""Error messages a client sees, in the four languages, keyed by the stable ``error`` code.

Later areas add their codes here. A code without an entry falls back to the generic message
of its HTTP status, so a client always gets a sentence in its language.
"""

from __future__ import annotations

from typing import Any

from api.i18n import DEFAULT_LANGUAGE

MESSAGES: dict[str, dict[str, str]] = {
    # generic, by HTTP status
    "bad_request": {
        "en": "The request could not be understood.",
        "zh-Hans": "无法理解该请求。",
        "zh-Hant": "無法理解該請求。",
        "vi": "Không thể hiểu yêu cầu.",
    },
    "validation_error": {
        "en": "Some fields are missing or invalid.",
        "zh-Hans": "部分字段缺失或无效。",
        "zh-Hant": "部分欄位缺失或無效。",
        "vi": "Một số trường bị thiếu hoặc không hợp lệ.",
    },
    "unauthorized": {
        "en": "Please log in.",
        "zh-Hans": "请先登录。",
        "zh-Hant": "請先登入。",
        "vi": "Vui lòng đăng nhập.",
    },
    "forbidden": {
        "en": "You are not allowed to do this.",
        "zh-Hans": "您无权执行此操作。",
        "zh-Hant": "您無權執行此操作。",
        "vi": "Bạn không được phép thực hiện thao tác này.",
    },
    "not_found": {
        "en": "Not found.",
        "zh-Hans": "未找到。",
        "zh-Hant": "找不到。",
        "vi": "Không tìm thấy.",
    },
    "method_not_allowed": {
        "en": "This method is not allowed here.",
        "zh-Hans": "此处不允许该请求方法。",
        "zh-Hant": "此處不允許該請求方法。",
        "vi": "Phương thức này không được phép tại đây.",
    },
    "conflict": {
        "en": "The request conflicts with the current state.",
        "zh-Hans": "请求与当前状态冲突。",
        "zh-Hant": "請求與目前狀態衝突。",
        "vi": "Yêu cầu xung đột với trạng thái hiện tại.",
    },
    "precondition_failed": {
        "en": "The resource has changed since you read it.",
        "zh-Hans": "该资源在您读取后已被修改。",
        "zh-Hant": "該資源在您讀取後已被修改。",
        "vi": "Tài nguyên đã thay đổi kể từ khi bạn đọc nó.",
    },
    "precondition_required": {
        "en": "Send If-Match with the ETag you read.",
        "zh-Hans": "请在 If-Match 中提供您读取到的 ETag。",
        "zh-Hant": "請在 If-Match 中提供您讀取到的 ETag。",
        "vi": "Hãy gửi If-Match với ETag bạn đã đọc.",
    },
    "payload_too_large": {
        "en": "The request body is too large.",
        "zh-Hans": "请求内容过大。",
        "zh-Hant": "請求內容過大。",
        "vi": "Nội dung yêu cầu quá lớn.",
    },
    "unsupported_media_type": {
        "en": "Send the body as application/json.",
        "zh-Hans": "请以 application/json 格式发送请求内容。",
        "zh-Hant": "請以 application/json 格式傳送請求內容。",
        "vi": "Hãy gửi nội dung dưới dạng application/json.",
    },
    "rate_limited": {
        "en": "Too many requests. Please wait and try again.",
        "zh-Hans": "请求过于频繁，请稍后再试。",
        "zh-Hant": "請求過於頻繁，請稍後再試。",
        "vi": "Quá nhiều yêu cầu. Vui lòng chờ rồi thử lại.",
    },
    "internal_error": {
        "en": "Something went wrong on our side. Please try again later.",
        "zh-Hans": "服务器出错，请稍后再试。",
        "zh-Hant": "伺服器出錯，請稍後再試。",
        "vi": "Đã xảy ra lỗi phía máy chủ. Vui lòng thử lại sau.",
    },
    "service_unavailable": {
        "en": "The service is temporarily unavailable. Please try again.",
        "zh-Hans": "服务暂时不可用，请重试。",
        "zh-Hant": "服務暫時無法使用，請重試。",
        "vi": "Dịch vụ tạm thời không khả dụng. Vui lòng thử lại.",
    },
    # accounts and tokens
    "invalid_credentials": {
        "en": "The login or password is wrong.",
        "zh-Hans": "账号或密码错误。",
        "zh-Hant": "帳號或密碼錯誤。",
        "vi": "Tên đăng nhập hoặc mật khẩu không đúng.",
    },
    "account_exists": {
        "en": "An account with this email or phone number already exists.",
        "zh-Hans": "该邮箱或手机号已注册。",
        "zh-Hant": "該電子郵件或手機號碼已註冊。",
        "vi": "Email hoặc số điện thoại này đã được đăng ký.",
    },
    "account_disabled": {
        "en": "This account is disabled.",
        "zh-Hans": "该账号已停用。",
        "zh-Hant": "該帳號已停用。",
        "vi": "Tài khoản này đã bị vô hiệu hóa.",
    },
    "password_too_short": {
        "en": "The password must have at least {min_length} characters.",
        "zh-Hans": "密码至少需要 {min_length} 个字符。",
        "zh-Hant": "密碼至少需要 {min_length} 個字元。",
        "vi": "Mật khẩu phải có ít nhất {min_length} ký tự.",
    },
    "password_too_common": {
        "en": "This password is too common or too easy to guess.",
        "zh-Hans": "该密码过于常见或容易被猜到。",
        "zh-Hant": "該密碼過於常見或容易被猜到。",
        "vi": "Mật khẩu này quá phổ biến hoặc quá dễ đoán.",
    },
    "invalid_phone": {
        "en": "The phone number is not a valid international (E.164) number.",
        "zh-Hans": "手机号不是有效的国际格式（E.164）号码。",
        "zh-Hant": "手機號碼不是有效的國際格式（E.164）號碼。",
        "vi": "Số điện thoại không phải số quốc tế (E.164) hợp lệ.",
    },
    "login_required": {
        "en": "Give an email or a phone number.",
        "zh-Hans": "请提供邮箱或手机号。",
        "zh-Hant": "請提供電子郵件或手機號碼。",
        "vi": "Hãy cung cấp email hoặc số điện thoại.",
    },
    "token_expired": {
        "en": "Your session has expired. Please refresh or log in again.",
        "zh-Hans": "登录已过期，请刷新或重新登录。",
        "zh-Hant": "登入已過期，請重新整理或重新登入。",
        "vi": "Phiên đăng nhập đã hết hạn. Vui lòng làm mới hoặc đăng nhập lại.",
    },
    "token_invalid": {
        "en": "The access token is invalid.",
        "zh-Hans": "访问令牌无效。",
        "zh-Hant": "存取權杖無效。",
        "vi": "Mã truy cập không hợp lệ.",
    },
    "token_revoked": {
        "en": "This session has ended. Please log in again.",
        "zh-Hans": "该会话已结束，请重新登录。",
        "zh-Hant": "該工作階段已結束，請重新登入。",
        "vi": "Phiên này đã kết thúc. Vui lòng đăng nhập lại.",
    },
    "refresh_token_reused": {
        "en": "This refresh token was already used; the session has been ended for your safety.",
        "zh-Hans": "该刷新令牌已被使用，为保障安全，会话已终止。",
        "zh-Hant": "該重新整理權杖已被使用，為保障安全，工作階段已終止。",
        "vi": "Mã làm mới này đã được dùng; phiên đã bị kết thúc để bảo vệ bạn.",
    },
    "wrong_token_type": {
        "en": "Use a refresh token here.",
        "zh-Hans": "此处需要刷新令牌。",
        "zh-Hant": "此處需要重新整理權杖。",
        "vi": "Hãy dùng mã làm mới tại đây.",
    },
    # catalogue and applicants
    "post_not_found": {
        "en": "No such post.",
        "zh-Hans": "未找到该使领馆。",
        "zh-Hant": "找不到該使領館。",
        "vi": "Không tìm thấy cơ quan đại diện.",
    },
    "service_not_found": {
        "en": "No such service.",
        "zh-Hans": "未找到该服务。",
        "zh-Hant": "找不到該服務。",
        "vi": "Không tìm thấy dịch vụ.",
    },
    "applicant_not_found": {
        "en": "No such applicant.",
        "zh-Hans": "未找到该申请人。",
        "zh-Hant": "找不到該申請人。",
        "vi": "Không tìm thấy người nộp hồ sơ.",
    },
    "applicant_self_exists": {
        "en": "You have already added yourself as an applicant.",
        "zh-Hans": "您已将本人添加为申请人。",
        "zh-Hant": "您已將本人新增為申請人。",
        "vi": "Bạn đã thêm chính mình làm người nộp hồ sơ.",
    },
    "post_exists": {
        "en": "A post with this code already exists.",
        "zh-Hans": "该代码的使领馆已存在。",
        "zh-Hant": "該代碼的使領館已存在。",
        "vi": "Đã có cơ quan đại diện với mã này.",
    },
    "service_exists": {
        "en": "A service with this code already exists.",
        "zh-Hans": "该代码的服务已存在。",
        "zh-Hant": "該代碼的服務已存在。",
        "vi": "Đã có dịch vụ với mã này.",
    },
    "fee_not_representable": {
        "en": "The amount is not valid for {currency} (minor unit exponent {exponent}).",
        "zh-Hans": "该金额对 {currency} 无效（最小单位指数 {exponent}）。",
        "zh-Hant": "該金額對 {currency} 無效（最小單位指數 {exponent}）。",
        "vi": "Số tiền không hợp lệ với {currency} (số mũ đơn vị nhỏ {exponent}).",
    },
    # idempotency
    "idempotency_key_reused": {
        "en": "This Idempotency-Key was already used with a different request.",
        "zh-Hans": "该 Idempotency-Key 已用于另一个不同的请求。",
        "zh-Hant": "該 Idempotency-Key 已用於另一個不同的請求。",
        "vi": "Idempotency-Key này đã được dùng cho một yêu cầu khác.",
    },
    "idempotency_in_progress": {
        "en": "A request with this Idempotency-Key is still being processed.",
        "zh-Hans": "使用该 Idempotency-Key 的请求仍在处理中。",
        "zh-Hant": "使用該 Idempotency-Key 的請求仍在處理中。",
        "vi": "Một yêu cầu với Idempotency-Key này vẫn đang được xử lý.",
    },
    "idempotency_key_invalid": {
        "en": "The Idempotency-Key header must be 1 to 255 visible characters.",
        "zh-Hans": "Idempotency-Key 请求头须为 1 到 255 个可见字符。",
        "zh-Hant": "Idempotency-Key 標頭須為 1 到 255 個可見字元。",
        "vi": "Header Idempotency-Key phải gồm 1 đến 255 ký tự hiển thị.",
    },
}

STATUS_FALLBACK = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    428: "precondition_required",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}


def render_message(code: str, language: str, status: int, params: dict[str, Any] | None) -> str:
    """The sentence for ``code`` in ``language``, falling back to the status's sentence."""
    texts = MESSAGES.get(code) or MESSAGES.get(STATUS_FALLBACK.get(status, "bad_request"))
    assert texts is not None
    template = texts.get(language) or texts[DEFAULT_LANGUAGE]
    try:
        return template.format(**(params or {}))
    except (KeyError, IndexError, ValueError):
        return texts[DEFAULT_LANGUAGE] if language != DEFAULT_LANGUAGE else template


MESSAGES["post_scope_forbidden"] = {
    "en": "You are not staff of this post.",
    "zh-Hans": "您不是该使领馆的工作人员。",
    "zh-Hant": "您不是該使領館的工作人員。",
    "vi": "Bạn không phải là cán bộ của cơ quan đại diện này.",
}

MESSAGES.update(
    {
        "device_not_found": {
            "en": "No such device.",
            "zh-Hans": "未找到该设备。",
            "zh-Hant": "找不到該裝置。",
            "vi": "Không tìm thấy thiết bị.",
        },
        "notification_not_found": {
            "en": "No such notification.",
            "zh-Hans": "未找到该通知。",
            "zh-Hant": "找不到該通知。",
            "vi": "Không tìm thấy thông báo.",
        },
        "delivery_not_found": {
            "en": "No such delivery.",
            "zh-Hans": "未找到该推送记录。",
            "zh-Hant": "找不到該推播記錄。",
            "vi": "Không tìm thấy lượt gửi.",
        },
        "delivery_not_dead": {
            "en": "Only dead-lettered deliveries can be retried.",
            "zh-Hans": "只能重试已进入死信队列的推送。",
            "zh-Hant": "只能重試已進入死信佇列的推播。",
            "vi": "Chỉ có thể gửi lại các lượt gửi đã thất bại hẳn.",
        },
        "device_disabled": {
            "en": "The device's token is no longer valid.",
            "zh-Hans": "该设备的令牌已失效。",
            "zh-Hant": "該裝置的權杖已失效。",
            "vi": "Mã của thiết bị không còn hợp lệ.",
        },
        "account_not_found": {
            "en": "No such account.",
            "zh-Hans": "未找到该账号。",
            "zh-Hant": "找不到該帳號。",
            "vi": "Không tìm thấy tài khoản.",
        },
    }
)

# legalizations
MESSAGES.update(
    {
        "legalization_not_found": {
            "en": "No legalization found. Check the authentication number, sub-number and "
            "sticker number.",
            "zh-Hans": "未找到该领事认证。请核对认证编号、子编号和贴纸编号。",
            "zh-Hant": "找不到該領事認證。請核對認證編號、子編號和貼紙編號。",
            "vi": "Không tìm thấy chứng nhận lãnh sự. Hãy kiểm tra số chứng nhận, số phụ và "
            "số tem.",
        },
        "legalization_exists": {
            "en": "A legalization with these three numbers is already recorded.",
            "zh-Hans": "具有这三个编号的领事认证已存在。",
            "zh-Hant": "具有這三個編號的領事認證已存在。",
            "vi": "Đã có chứng nhận lãnh sự với ba số này.",
        },
        "legalization_already_revoked": {
            "en": "This legalization is already revoked.",
            "zh-Hans": "该领事认证已被撤销。",
            "zh-Hant": "該領事認證已被撤銷。",
            "vi": "Chứng nhận lãnh sự này đã bị thu hồi.",
        },
        "import_not_utf8": {
            "en": 'The file is not UTF-8 text (first problem on line {line}). Save it as "CSV '
            'UTF-8" and try again.',
            "zh-Hans": "文件不是 UTF-8 编码（第 {line} 行起有问题）。请另存为“CSV UTF-8”后重试。",
            "zh-Hant": "檔案不是 UTF-8 編碼（第 {line} 列起有問題）。請另存為「CSV UTF-8」後重試。",
            "vi": "Tệp không phải văn bản UTF-8 (lỗi đầu tiên ở dòng {line}). Hãy lưu dưới dạng "
            '"CSV UTF-8" rồi thử lại.',
        },
        "import_empty": {
            "en": "The file is empty.",
            "zh-Hans": "文件为空。",
            "zh-Hant": "檔案為空。",
            "vi": "Tệp trống.",
        },
        "import_header_invalid": {
            "en": "The first row must name the columns: {required}.",
            "zh-Hans": "第一行须列出以下列名：{required}。",
            "zh-Hant": "第一列須列出以下欄位名稱：{required}。",
            "vi": "Dòng đầu tiên phải nêu tên các cột: {required}.",
        },
        "import_rows_invalid": {
            "en": "{count} rows are invalid, so nothing was imported. Each problem is listed "
            "with its line.",
            "zh-Hans": "有 {count} 行无效，因此未导入任何记录。每个问题均已按行号列出。",
            "zh-Hant": "有 {count} 列無效，因此未匯入任何記錄。每個問題均已按列號列出。",
            "vi": "Có {count} dòng không hợp lệ nên chưa nhập bản ghi nào. Mỗi lỗi được liệt "
            "kê kèm số dòng.",
        },
        "import_too_many_rows": {
            "en": "The file has more than {max_rows} rows. Split it into smaller files.",
            "zh-Hans": "文件超过 {max_rows} 行，请拆分为较小的文件。",
            "zh-Hant": "檔案超過 {max_rows} 列，請分割為較小的檔案。",
            "vi": "Tệp có hơn {max_rows} dòng. Hãy chia thành các tệp nhỏ hơn.",
        },
        "import_too_large": {
            "en": "The file is larger than {max_bytes} bytes. Split it into smaller files.",
            "zh-Hans": "文件超过 {max_bytes} 字节，请拆分为较小的文件。",
            "zh-Hant": "檔案超過 {max_bytes} 位元組，請分割為較小的檔案。",
            "vi": "Tệp lớn hơn {max_bytes} byte. Hãy chia thành các tệp nhỏ hơn.",
        },
        "import_media_type": {
            "en": 'Send the file as text/csv, or as the field "file" of a multipart/form-data '
            "form.",
            "zh-Hans": "请以 text/csv 格式发送文件，或作为 multipart/form-data 表单的 file 字段发送。",
            "zh-Hant": "請以 text/csv 格式傳送檔案，或作為 multipart/form-data 表單的 file 欄位傳送。",
            "vi": 'Hãy gửi tệp dưới dạng text/csv, hoặc trong trường "file" của biểu mẫu '
            "multipart/form-data.",
        },
    }
)

# documents (photo and document uploads)
MESSAGES.update(
    {
        "document_not_found": {
            "en": "No such document.",
            "zh-Hans": "未找到该文件。",
            "zh-Hant": "找不到該文件。",
            "vi": "Không tìm thấy tài liệu.",
        },
        "document_type_not_allowed": {
            "en": "This type of file cannot be uploaded as a {kind}. Allowed: {allowed}.",
            "zh-Hans": "此类型的文件不能作为 {kind} 上传。允许的类型：{allowed}。",
            "zh-Hant": "此類型的檔案不能作為 {kind} 上傳。允許的類型：{allowed}。",
            "vi": "Không thể tải loại tệp này lên dưới dạng {kind}. Cho phép: {allowed}.",
        },
        "document_size_out_of_range": {
            "en": "A {kind} must be between {min_size} and {max_size} bytes.",
            "zh-Hans": "{kind} 的大小须在 {min_size} 到 {max_size} 字节之间。",
            "zh-Hant": "{kind} 的大小須在 {min_size} 到 {max_size} 位元組之間。",
            "vi": "Tệp {kind} phải có kích thước từ {min_size} đến {max_size} byte.",
        },
        "document_limit_reached": {
            "en": "This applicant already has {limit} documents. Delete some before adding more.",
            "zh-Hans": "该申请人已有 {limit} 份文件。请先删除部分文件再添加。",
            "zh-Hant": "該申請人已有 {limit} 份文件。請先刪除部分文件再新增。",
            "vi": "Người nộp đơn này đã có {limit} tài liệu. Hãy xóa bớt trước khi thêm.",
        },
        "upload_missing": {
            "en": "The file has not been uploaded yet. Upload it, then confirm again.",
            "zh-Hans": "文件尚未上传。请先上传，然后再次确认。",
            "zh-Hant": "檔案尚未上傳。請先上傳，然後再次確認。",
            "vi": "Tệp chưa được tải lên. Hãy tải lên rồi xác nhận lại.",
        },
        "document_rejected": {
            "en": "The file was not accepted: each problem is listed. Please upload a new one.",
            "zh-Hans": "文件未被接受，每个问题均已列出。请重新上传。",
            "zh-Hant": "檔案未被接受，每個問題均已列出。請重新上傳。",
            "vi": "Tệp không được chấp nhận, từng lỗi đã được liệt kê. Vui lòng tải lên tệp mới.",
        },
        "document_not_accepted": {
            "en": "Only an accepted document can be downloaded.",
            "zh-Hans": "只有已通过审核的文件才能下载。",
            "zh-Hant": "只有已通過審核的文件才能下載。",
            "vi": "Chỉ có thể tải xuống tài liệu đã được chấp nhận.",
        },
        "storage_unavailable": {
            "en": "File storage is unavailable at the moment. Please try again shortly.",
            "zh-Hans": "文件存储服务暂时不可用。请稍后重试。",
            "zh-Hant": "檔案儲存服務暫時無法使用。請稍後重試。",
            "vi": "Kho lưu trữ tệp tạm thời không khả dụng. Vui lòng thử lại sau.",
        },
        "upload_policy_violation": {
            "en": "The upload does not match what was authorised (see the reason). Ask for a "
            "new upload.",
            "zh-Hans": "上传内容与授权不符（见原因）。请重新申请上传。",
            "zh-Hant": "上傳內容與授權不符（見原因）。請重新申請上傳。",
            "vi": "Tệp tải lên không khớp với nội dung đã được cho phép (xem lý do). Hãy yêu "
            "cầu tải lên mới.",
        },
        "upload_file_missing": {
            "en": 'Send exactly one file, in the field "file", after the other fields.',
            "zh-Hans": "请在其他字段之后、以 file 字段发送且仅发送一个文件。",
            "zh-Hant": "請在其他欄位之後、以 file 欄位傳送且僅傳送一個檔案。",
            "vi": 'Hãy gửi đúng một tệp, trong trường "file", sau các trường khác.',
        },
    }
)
