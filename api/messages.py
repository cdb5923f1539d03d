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
