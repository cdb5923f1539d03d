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
    # account lifecycle
    "email_not_verified": {
        "en": "Confirm your e-mail address first (we sent you a link and a code).",
        "zh-Hans": "请先确认您的电子邮箱（我们已发送链接和验证码）。",
        "zh-Hant": "請先確認您的電子郵件地址（我們已寄出連結和驗證碼）。",
        "vi": "Vui lòng xác nhận địa chỉ e-mail trước (chúng tôi đã gửi liên kết và mã).",
    },
    "email_already_verified": {
        "en": "This e-mail address is already confirmed.",
        "zh-Hans": "此电子邮箱已确认。",
        "zh-Hant": "此電子郵件地址已確認。",
        "vi": "Địa chỉ e-mail này đã được xác nhận.",
    },
    "no_email_address": {
        "en": "This account has no e-mail address; add one first.",
        "zh-Hans": "此账户没有电子邮箱，请先添加。",
        "zh-Hant": "此帳戶沒有電子郵件地址，請先新增。",
        "vi": "Tài khoản này chưa có địa chỉ e-mail; hãy thêm trước.",
    },
    "token_invalid_or_expired": {
        "en": "This link or code is wrong, used or expired. Ask for a new one.",
        "zh-Hans": "此链接或验证码错误、已使用或已过期，请重新获取。",
        "zh-Hant": "此連結或驗證碼錯誤、已使用或已過期，請重新取得。",
        "vi": "Liên kết hoặc mã này sai, đã dùng hoặc đã hết hạn. Hãy yêu cầu mã mới.",
    },
    "wrong_password": {
        "en": "The password is not correct.",
        "zh-Hans": "密码不正确。",
        "zh-Hant": "密碼不正確。",
        "vi": "Mật khẩu không đúng.",
    },
    "password_unchanged": {
        "en": "The new password is the same as the current one.",
        "zh-Hans": "新密码与当前密码相同。",
        "zh-Hant": "新密碼與目前密碼相同。",
        "vi": "Mật khẩu mới giống mật khẩu hiện tại.",
    },
    "email_unchanged": {
        "en": "This is already the account's e-mail address.",
        "zh-Hans": "这已经是账户的电子邮箱。",
        "zh-Hant": "這已經是帳戶的電子郵件地址。",
        "vi": "Đây đã là địa chỉ e-mail của tài khoản.",
    },
    "email_taken": {
        "en": "This e-mail address now belongs to another account.",
        "zh-Hans": "此电子邮箱已属于另一个账户。",
        "zh-Hant": "此電子郵件地址已屬於另一個帳戶。",
        "vi": "Địa chỉ e-mail này đã thuộc về tài khoản khác.",
    },
    "session_not_found": {
        "en": "No such session.",
        "zh-Hans": "没有该登录会话。",
        "zh-Hant": "沒有該登入工作階段。",
        "vi": "Không có phiên này.",
    },
    "account_has_appointments": {
        "en": "Cancel your coming appointments before deleting the account.",
        "zh-Hans": "删除账户前，请先取消即将到来的预约。",
        "zh-Hant": "刪除帳戶前，請先取消即將到來的預約。",
        "vi": "Hãy hủy các lịch hẹn sắp tới trước khi xóa tài khoản.",
    },
    "account_has_open_applications": {
        "en": "An application is still in progress; the account can be deleted once it is "
        "finished or withdrawn.",
        "zh-Hans": "仍有申请在办理中；办结或撤回后才能删除账户。",
        "zh-Hant": "仍有申請在辦理中；辦結或撤回後才能刪除帳戶。",
        "vi": "Vẫn còn hồ sơ đang xử lý; chỉ xóa được tài khoản khi hồ sơ hoàn tất hoặc rút lại.",
    },
    "account_has_pending_payments": {
        "en": "A payment or refund is still under way; try again once it is settled.",
        "zh-Hans": "仍有付款或退款在处理中；完成后再试。",
        "zh-Hant": "仍有付款或退款在處理中；完成後再試。",
        "vi": "Vẫn còn khoản thanh toán hoặc hoàn tiền đang xử lý; hãy thử lại khi đã xong.",
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
    "applicant_has_appointments": {
        "en": "This applicant has an appointment to come. Cancel it before removing them.",
        "zh-Hans": "该申请人有尚未到来的预约。请先取消预约，再删除该申请人。",
        "zh-Hant": "該申請人有尚未到來的預約。請先取消預約，再刪除該申請人。",
        "vi": "Người nộp hồ sơ này còn lịch hẹn sắp tới. Hãy hủy lịch hẹn trước khi xóa.",
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

# applications
MESSAGES.update(
    {
        "application_not_found": {
            "en": "No application matches these details.",
            "zh-Hans": "没有与这些信息相符的申请。",
            "zh-Hant": "沒有與這些資料相符的申請。",
            "vi": "Không có hồ sơ nào khớp với các thông tin này.",
        },
        "invalid_transition": {
            "en": "An application in state {state} cannot move to {to}. Allowed: {allowed}.",
            "zh-Hans": "处于 {state} 状态的申请不能变更为 {to}。允许：{allowed}。",
            "zh-Hant": "處於 {state} 狀態的申請不能變更為 {to}。允許：{allowed}。",
            "vi": "Hồ sơ ở trạng thái {state} không thể chuyển sang {to}. Được phép: {allowed}.",
        },
        "service_not_offered": {
            "en": "This post does not offer this service.",
            "zh-Hans": "该使领馆不提供此项服务。",
            "zh-Hant": "該使領館不提供此項服務。",
            "vi": "Cơ quan đại diện này không cung cấp dịch vụ này.",
        },
        "delivery_address_required": {
            "en": "Give the address for delivery by courier.",
            "zh-Hans": "快递寄送需要提供地址。",
            "zh-Hant": "快遞寄送需要提供地址。",
            "vi": "Hãy cung cấp địa chỉ để chuyển phát.",
        },
        "walk_in_not_allowed": {
            "en": "This post does not open applications without an appointment.",
            "zh-Hans": "该使领馆不受理未预约的申请。",
            "zh-Hant": "該使領館不受理未預約的申請。",
            "vi": "Cơ quan này không nhận hồ sơ khi không có lịch hẹn.",
        },
        "information_request_required": {
            "en": "Say what information is required from the applicant.",
            "zh-Hans": "请说明需要申请人补充哪些材料。",
            "zh-Hant": "請說明需要申請人補充哪些材料。",
            "vi": "Hãy nêu rõ thông tin cần người nộp bổ sung.",
        },
        "rejection_reason_required": {
            "en": "Give the applicant the reason for the rejection.",
            "zh-Hans": "请向申请人说明不予批准的理由。",
            "zh-Hant": "請向申請人說明不予核准的理由。",
            "vi": "Hãy nêu lý do từ chối cho người nộp hồ sơ.",
        },
        "delivery_method_mismatch": {
            "en": "This application is to be delivered by {method}.",
            "zh-Hans": "该申请的交付方式为 {method}。",
            "zh-Hant": "該申請的交付方式為 {method}。",
            "vi": "Hồ sơ này được giao theo hình thức {method}.",
        },
        "tracking_number_required": {
            "en": "Give the courier's tracking number.",
            "zh-Hans": "请提供快递单号。",
            "zh-Hant": "請提供快遞單號。",
            "vi": "Hãy cung cấp mã vận đơn.",
        },
        "rating_not_open": {
            "en": "You can rate the service once the passport is collected or delivered.",
            "zh-Hans": "领取或收到护照后才能评价。",
            "zh-Hant": "領取或收到護照後才能評價。",
            "vi": "Bạn có thể đánh giá sau khi đã nhận hộ chiếu.",
        },
        "already_rated": {
            "en": "You have already rated this application.",
            "zh-Hans": "您已评价过此申请。",
            "zh-Hant": "您已評價過此申請。",
            "vi": "Bạn đã đánh giá hồ sơ này.",
        },
    }
)

# trips, follows and safety alerts
MESSAGES.update(
    {
        "trip_not_found": {
            "en": "No such trip.",
            "zh-Hans": "未找到该行程。",
            "zh-Hant": "找不到該行程。",
            "vi": "Không tìm thấy chuyến đi.",
        },
        "trip_dates_invalid": {
            "en": "The trip ends before it starts.",
            "zh-Hans": "行程结束日期早于开始日期。",
            "zh-Hant": "行程結束日期早於開始日期。",
            "vi": "Ngày kết thúc chuyến đi trước ngày bắt đầu.",
        },
        "trip_in_past": {
            "en": "This trip is already over.",
            "zh-Hans": "该行程已经结束。",
            "zh-Hant": "該行程已經結束。",
            "vi": "Chuyến đi này đã kết thúc.",
        },
        "trip_too_long": {
            "en": "A trip can last at most {max_days} days; follow the country instead.",
            "zh-Hans": "行程最长 {max_days} 天；如需长期关注，请改为关注该国家。",
            "zh-Hant": "行程最長 {max_days} 天；如需長期關注，請改為關注該國家。",
            "vi": "Một chuyến đi dài tối đa {max_days} ngày; hãy theo dõi quốc gia đó thay thế.",
        },
        "too_many_trips": {
            "en": "You can have at most {max_trips} current or upcoming trips.",
            "zh-Hans": "当前及未来的行程最多 {max_trips} 个。",
            "zh-Hant": "目前及未來的行程最多 {max_trips} 個。",
            "vi": "Bạn chỉ có thể có tối đa {max_trips} chuyến đi hiện tại hoặc sắp tới.",
        },
        "follow_exists": {
            "en": "You already follow this country.",
            "zh-Hans": "您已关注该国家。",
            "zh-Hant": "您已關注該國家。",
            "vi": "Bạn đã theo dõi quốc gia này.",
        },
        "follow_not_found": {
            "en": "You do not follow this country.",
            "zh-Hans": "您未关注该国家。",
            "zh-Hant": "您未關注該國家。",
            "vi": "Bạn không theo dõi quốc gia này.",
        },
        "too_many_follows": {
            "en": "You can follow at most {max_follows} countries.",
            "zh-Hans": "最多可关注 {max_follows} 个国家。",
            "zh-Hant": "最多可關注 {max_follows} 個國家。",
            "vi": "Bạn chỉ có thể theo dõi tối đa {max_follows} quốc gia.",
        },
        "country_scope_forbidden": {
            "en": "You may only act on alerts for the countries of your posts.",
            "zh-Hans": "您只能处理您所在使领馆所在国家的警报。",
            "zh-Hant": "您只能處理您所在使領館所在國家的警報。",
            "vi": "Bạn chỉ được xử lý cảnh báo cho các quốc gia nơi cơ quan của bạn đặt trụ sở.",
        },
        "alert_not_found": {
            "en": "No such alert.",
            "zh-Hans": "未找到该警报。",
            "zh-Hant": "找不到該警報。",
            "vi": "Không tìm thấy cảnh báo.",
        },
        "alert_not_editable": {
            "en": "This alert has no draft or version awaiting approval.",
            "zh-Hans": "该警报没有草稿或待审批的版本。",
            "zh-Hant": "該警報沒有草稿或待審批的版本。",
            "vi": "Cảnh báo này không có bản nháp hoặc phiên bản đang chờ duyệt.",
        },
        "alert_not_draft": {
            "en": "Only a draft can be sent for approval.",
            "zh-Hans": "只有草稿可以提交审批。",
            "zh-Hant": "只有草稿可以提交審批。",
            "vi": "Chỉ bản nháp mới có thể gửi duyệt.",
        },
        "alert_not_pending": {
            "en": "No version of this alert is awaiting approval.",
            "zh-Hans": "该警报没有待审批的版本。",
            "zh-Hant": "該警報沒有待審批的版本。",
            "vi": "Không có phiên bản nào của cảnh báo này đang chờ duyệt.",
        },
        "alert_version_changed": {
            "en": "The alert changed since you read it (it is now at version {version}).",
            "zh-Hans": "该警报在您查看后已被修改（当前为第 {version} 版）。",
            "zh-Hant": "該警報在您查看後已被修改（目前為第 {version} 版）。",
            "vi": "Cảnh báo đã thay đổi kể từ khi bạn xem (hiện là phiên bản {version}).",
        },
        "approver_is_author": {
            "en": "Another officer must approve or reject a version you wrote or submitted.",
            "zh-Hans": "您撰写或提交的版本须由另一名官员批准或驳回。",
            "zh-Hant": "您撰寫或提交的版本須由另一名官員核准或駁回。",
            "vi": "Phiên bản do bạn soạn hoặc gửi phải được một cán bộ khác duyệt hoặc từ chối.",
        },
        "alert_expiry_invalid": {
            "en": "The expiry must be in the future and at most {max_days} days ahead.",
            "zh-Hans": "失效时间必须晚于现在，且不超过 {max_days} 天。",
            "zh-Hant": "失效時間必須晚於現在，且不超過 {max_days} 天。",
            "vi": "Thời điểm hết hạn phải ở tương lai và không quá {max_days} ngày.",
        },
        "alert_expiry_passed": {
            "en": "This version's expiry has passed; edit it before it can go out.",
            "zh-Hans": "该版本的失效时间已过，请先修改。",
            "zh-Hant": "該版本的失效時間已過，請先修改。",
            "vi": "Phiên bản này đã quá thời điểm hết hạn; hãy sửa trước khi gửi.",
        },
        "alert_closed": {
            "en": "This alert is closed (expired, withdrawn or rejected).",
            "zh-Hans": "该警报已关闭（已失效、已撤回或已驳回）。",
            "zh-Hant": "該警報已關閉（已失效、已撤回或已駁回）。",
            "vi": "Cảnh báo này đã đóng (hết hạn, bị thu hồi hoặc bị từ chối).",
        },
        "alert_has_open_version": {
            "en": "This alert already has a draft or a version awaiting approval.",
            "zh-Hans": "该警报已有草稿或待审批的版本。",
            "zh-Hant": "該警報已有草稿或待審批的版本。",
            "vi": "Cảnh báo này đã có bản nháp hoặc phiên bản đang chờ duyệt.",
        },
        "check_in_closed": {
            "en": "Check-in is only open for live emergency alerts.",
            "zh-Hans": "仅可对有效的紧急警报报平安或求助。",
            "zh-Hant": "僅可對有效的緊急警報報平安或求助。",
            "vi": "Chỉ có thể phản hồi cho các cảnh báo khẩn cấp còn hiệu lực.",
        },
        "not_registered_for_alert": {
            "en": "You have no current trip to, or follow of, a country of this alert.",
            "zh-Hans": "您在该警报涉及的国家没有进行中的行程，也未关注这些国家。",
            "zh-Hant": "您在該警報涉及的國家沒有進行中的行程，也未關注這些國家。",
            "vi": "Bạn không có chuyến đi hiện tại hay theo dõi quốc gia nào của cảnh báo này.",
        },
        "alert_response_not_found": {
            "en": "No such answer.",
            "zh-Hans": "未找到该回复。",
            "zh-Hant": "找不到該回覆。",
            "vi": "Không tìm thấy phản hồi.",
        },
        "response_not_need_help": {
            "en": 'Only "need help" answers are marked handled.',
            "zh-Hans": "只有“需要帮助”的回复才能标记为已处理。",
            "zh-Hant": "只有「需要協助」的回覆才能標記為已處理。",
            "vi": 'Chỉ các phản hồi "cần giúp đỡ" mới được đánh dấu đã xử lý.',
        },
    }
)

# appointments
MESSAGES.update(
    {
        "invalid_date_range": {
            "en": "The end of the period is before its start.",
            "zh-Hans": "结束日期早于开始日期。",
            "zh-Hant": "結束日期早於開始日期。",
            "vi": "Thời điểm kết thúc sớm hơn thời điểm bắt đầu.",
        },
        "date_range_too_long": {
            "en": "The period is too long: at most {max_days} days.",
            "zh-Hans": "时间范围过长：最多 {max_days} 天。",
            "zh-Hant": "時間範圍過長：最多 {max_days} 天。",
            "vi": "Khoảng thời gian quá dài: tối đa {max_days} ngày.",
        },
        "slot_not_found": {
            "en": "This time slot does not exist or is no longer offered.",
            "zh-Hans": "该时段不存在或已不再开放。",
            "zh-Hant": "該時段不存在或已不再開放。",
            "vi": "Khung giờ này không tồn tại hoặc không còn được mở.",
        },
        "slot_mismatch": {
            "en": "This time slot is for another post or service.",
            "zh-Hans": "该时段属于其他使领馆或其他服务。",
            "zh-Hant": "該時段屬於其他使領館或其他服務。",
            "vi": "Khung giờ này thuộc cơ quan đại diện hoặc dịch vụ khác.",
        },
        "outside_booking_window": {
            "en": "This time slot cannot be booked now: it is too soon or too far ahead.",
            "zh-Hans": "该时段当前不可预约：时间太近或太远。",
            "zh-Hant": "該時段目前無法預約：時間太近或太遠。",
            "vi": "Không thể đặt khung giờ này lúc này: quá gần hoặc quá xa.",
        },
        "post_closed": {
            "en": "The post is closed at that time.",
            "zh-Hans": "该时段使领馆不对外办公。",
            "zh-Hant": "該時段使領館不對外辦公。",
            "vi": "Cơ quan đại diện đóng cửa vào thời gian đó.",
        },
        "slot_full": {
            "en": "This time slot is fully booked. Please choose another.",
            "zh-Hans": "该时段已约满，请选择其他时段。",
            "zh-Hant": "該時段已額滿，請選擇其他時段。",
            "vi": "Khung giờ này đã kín chỗ. Vui lòng chọn khung giờ khác.",
        },
        "duplicate_appointment": {
            "en": "This applicant already has an appointment for this service.",
            "zh-Hans": "该申请人已有此项服务的预约。",
            "zh-Hant": "該申請人已有此項服務的預約。",
            "vi": "Người nộp hồ sơ này đã có lịch hẹn cho dịch vụ này.",
        },
        "appointment_limit_reached": {
            "en": "You already have {limit} active appointments, the most allowed.",
            "zh-Hans": "您已有 {limit} 个有效预约，已达上限。",
            "zh-Hant": "您已有 {limit} 個有效預約，已達上限。",
            "vi": "Bạn đã có {limit} lịch hẹn đang hiệu lực, mức tối đa cho phép.",
        },
        "booking_blocked": {
            "en": "After repeated missed appointments, booking at this post is blocked until {until}.",
            "zh-Hans": "由于多次预约未到，您在该使领馆的预约功能暂停至 {until}。",
            "zh-Hant": "由於多次預約未到，您在該使領館的預約功能暫停至 {until}。",
            "vi": "Do nhiều lần vắng mặt, bạn bị tạm khóa đặt lịch tại cơ quan này đến {until}.",
        },
        "appointment_not_found": {
            "en": "No such appointment.",
            "zh-Hans": "未找到该预约。",
            "zh-Hant": "找不到該預約。",
            "vi": "Không tìm thấy lịch hẹn.",
        },
        "appointment_not_active": {
            "en": "This appointment can no longer be changed (it is {status}).",
            "zh-Hans": "该预约已无法更改（状态：{status}）。",
            "zh-Hant": "該預約已無法更改（狀態：{status}）。",
            "vi": "Không thể thay đổi lịch hẹn này nữa (trạng thái: {status}).",
        },
        "change_cutoff_passed": {
            "en": "Appointments can be changed or cancelled until {hours} hours before they start.",
            "zh-Hans": "预约须在开始前 {hours} 小时之前更改或取消。",
            "zh-Hant": "預約須在開始前 {hours} 小時之前更改或取消。",
            "vi": "Chỉ có thể đổi hoặc hủy lịch hẹn trước giờ hẹn {hours} giờ.",
        },
        "same_slot": {
            "en": "The appointment is already at this time.",
            "zh-Hans": "该预约已在此时段。",
            "zh-Hant": "該預約已在此時段。",
            "vi": "Lịch hẹn đã ở khung giờ này.",
        },
        "template_not_found": {
            "en": "No such opening template.",
            "zh-Hans": "未找到该开放时间模板。",
            "zh-Hant": "找不到該開放時間範本。",
            "vi": "Không tìm thấy mẫu giờ làm việc.",
        },
        "closing_before_opening": {
            "en": "The closing time must be after the opening time.",
            "zh-Hans": "结束办公时间必须晚于开始办公时间。",
            "zh-Hant": "結束辦公時間必須晚於開始辦公時間。",
            "vi": "Giờ đóng cửa phải sau giờ mở cửa.",
        },
        "slot_longer_than_opening": {
            "en": "A slot cannot be longer than the opening hours.",
            "zh-Hans": "单个时段不能长于开放时间。",
            "zh-Hant": "單個時段不能長於開放時間。",
            "vi": "Một khung giờ không thể dài hơn giờ mở cửa.",
        },
        "template_overlap": {
            "en": "These hours overlap opening template {template_id} for the same service.",
            "zh-Hans": "该时间与同一服务的开放时间模板 {template_id} 重叠。",
            "zh-Hant": "該時間與同一服務的開放時間範本 {template_id} 重疊。",
            "vi": "Khung giờ này trùng với mẫu giờ làm việc {template_id} của cùng dịch vụ.",
        },
        "closure_not_found": {
            "en": "No such closure.",
            "zh-Hans": "未找到该闭馆安排。",
            "zh-Hant": "找不到該閉館安排。",
            "vi": "Không tìm thấy lịch đóng cửa.",
        },
        "pass_invalid": {
            "en": "This pass is not genuine.",
            "zh-Hans": "该预约凭证无效。",
            "zh-Hant": "該預約憑證無效。",
            "vi": "Thẻ hẹn này không hợp lệ.",
        },
        "wrong_post": {
            "en": "This appointment is at another post.",
            "zh-Hans": "该预约属于其他使领馆。",
            "zh-Hant": "該預約屬於其他使領館。",
            "vi": "Lịch hẹn này thuộc cơ quan đại diện khác.",
        },
        "wrong_day": {
            "en": "This appointment is on {date}, not today.",
            "zh-Hans": "该预约日期为 {date}，不是今天。",
            "zh-Hant": "該預約日期為 {date}，不是今天。",
            "vi": "Lịch hẹn này vào ngày {date}, không phải hôm nay.",
        },
        "appointment_cancelled": {
            "en": "This appointment was cancelled.",
            "zh-Hans": "该预约已取消。",
            "zh-Hant": "該預約已取消。",
            "vi": "Lịch hẹn này đã bị hủy.",
        },
        "invalid_status": {
            "en": "Not possible while the appointment is {status}.",
            "zh-Hans": "预约状态为 {status}，无法执行此操作。",
            "zh-Hant": "預約狀態為 {status}，無法執行此操作。",
            "vi": "Không thể thực hiện khi lịch hẹn ở trạng thái {status}.",
        },
        "too_early_for_no_show": {
            "en": "A no-show can only be recorded after the slot has ended.",
            "zh-Hans": "只能在时段结束后登记未到。",
            "zh-Hant": "只能在時段結束後登記未到。",
            "vi": "Chỉ có thể ghi nhận vắng mặt sau khi khung giờ kết thúc.",
        },
    }
)

MESSAGES.update(
    {
        "appointment_not_checked_in": {
            "en": "Check the applicant in before opening the application.",
            "zh-Hans": "请先为申请人办理签到，再受理申请。",
            "zh-Hant": "請先為申請人辦理報到，再受理申請。",
            "vi": "Hãy làm thủ tục đến cho người nộp trước khi mở hồ sơ.",
        },
        "application_exists": {
            "en": "An application was already opened for this appointment.",
            "zh-Hans": "该预约已受理过申请。",
            "zh-Hant": "該預約已受理過申請。",
            "vi": "Lịch hẹn này đã được mở hồ sơ.",
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


MESSAGES.update(
    {
        # payments
        "payment_not_found": {
            "en": "No such payment.",
            "zh-Hans": "未找到该付款。",
            "zh-Hant": "找不到該付款。",
            "vi": "Không tìm thấy khoản thanh toán.",
        },
        "payment_not_available": {
            "en": "This fee cannot be paid in the app. Please pay at the counter.",
            "zh-Hans": "此项费用无法在应用中支付，请到柜台缴费。",
            "zh-Hant": "此項費用無法在應用程式中支付，請至櫃檯繳費。",
            "vi": "Không thể thanh toán khoản phí này trong ứng dụng. Vui lòng nộp tại quầy.",
        },
        "nothing_to_pay": {
            "en": "There is no fee to pay for this application.",
            "zh-Hans": "此申请无需缴费。",
            "zh-Hant": "此申請無需繳費。",
            "vi": "Hồ sơ này không phải nộp phí.",
        },
        "application_not_payable": {
            "en": "This application is closed and can no longer be paid.",
            "zh-Hans": "此申请已结束，无法再付款。",
            "zh-Hant": "此申請已結束，無法再付款。",
            "vi": "Hồ sơ này đã đóng và không thể thanh toán nữa.",
        },
        "already_paid": {
            "en": "This application has already been paid.",
            "zh-Hans": "此申请已付款。",
            "zh-Hant": "此申請已付款。",
            "vi": "Hồ sơ này đã được thanh toán.",
        },
        "payment_under_review": {
            "en": "A payment for this application is being checked by the post. "
            "Please wait for them to contact you.",
            "zh-Hans": "此申请的一笔付款正在由使领馆核查，请等待联系。",
            "zh-Hant": "此申請的一筆付款正在由使領館核查，請等候聯繫。",
            "vi": "Một khoản thanh toán của hồ sơ này đang được cơ quan đại diện kiểm tra. "
            "Vui lòng chờ liên hệ.",
        },
        "payment_gateway_unavailable": {
            "en": "Payments are temporarily unavailable. Please try again in a moment.",
            "zh-Hans": "支付服务暂时不可用，请稍后重试。",
            "zh-Hant": "支付服務暫時無法使用，請稍後重試。",
            "vi": "Dịch vụ thanh toán tạm thời không khả dụng. Vui lòng thử lại sau giây lát.",
        },
        "receipt_not_available": {
            "en": "There is no receipt until the payment has gone through.",
            "zh-Hans": "付款完成后才有收据。",
            "zh-Hant": "付款完成後才有收據。",
            "vi": "Chỉ có biên lai sau khi thanh toán thành công.",
        },
        "invalid_webhook_signature": {
            "en": "The webhook signature is missing, invalid or too old.",
            "zh-Hans": "Webhook 签名缺失、无效或已过期。",
            "zh-Hant": "Webhook 簽章缺失、無效或已過期。",
            "vi": "Chữ ký webhook bị thiếu, không hợp lệ hoặc đã quá cũ.",
        },
        "payment_not_refundable": {
            "en": "Only a payment that went through can be refunded.",
            "zh-Hans": "只有已完成的付款才能退款。",
            "zh-Hant": "只有已完成的付款才能退款。",
            "vi": "Chỉ có thể hoàn tiền cho khoản thanh toán đã thành công.",
        },
        "refund_exceeds_payment": {
            "en": "A refund cannot be more than what is left to refund ({remaining}).",
            "zh-Hans": "退款金额不能超过可退余额（{remaining}）。",
            "zh-Hant": "退款金額不能超過可退餘額（{remaining}）。",
            "vi": "Số tiền hoàn không được vượt quá số còn có thể hoàn ({remaining}).",
        },
        "refund_amount_invalid": {
            "en": "This amount cannot be refunded in {currency}.",
            "zh-Hans": "该金额无法以 {currency} 退款。",
            "zh-Hant": "該金額無法以 {currency} 退款。",
            "vi": "Không thể hoàn số tiền này bằng {currency}.",
        },
        "idempotency_key_required": {
            "en": "Send an Idempotency-Key header (a new unique key for each refund).",
            "zh-Hans": "请提供 Idempotency-Key 请求头（每笔退款使用一个新的唯一键）。",
            "zh-Hant": "請提供 Idempotency-Key 標頭（每筆退款使用一個新的唯一鍵）。",
            "vi": "Hãy gửi header Idempotency-Key (mỗi lần hoàn tiền một khóa mới, duy nhất).",
        },
        "simulation_not_possible": {
            "en": "The sandbox cannot move this payment that way now.",
            "zh-Hans": "沙盒当前无法对此付款执行该操作。",
            "zh-Hant": "沙盒目前無法對此付款執行該操作。",
            "vi": "Môi trường thử nghiệm hiện không thể chuyển khoản thanh toán này như vậy.",
        },
    }
)
