"""The words of the legalization check page (the page a sticker's QR code opens), in the
four languages. Error messages of the JSON API are in ``api.messages``."""

from __future__ import annotations

LANGUAGE_NAMES = {
    "en": "English",
    "zh-Hans": "简体中文",
    "zh-Hant": "繁體中文",
    "vi": "Tiếng Việt",
}

PAGE_TEXTS: dict[str, dict[str, str]] = {
    "title": {
        "en": "Check a consular legalization",
        "zh-Hans": "领事认证核验",
        "zh-Hant": "領事認證核驗",
        "vi": "Kiểm tra chứng nhận lãnh sự",
    },
    "genuine": {
        "en": "Genuine",
        "zh-Hans": "真实有效",
        "zh-Hant": "真實有效",
        "vi": "Hợp lệ",
    },
    "genuine_text": {
        "en": "This legalization was issued by {post} and has not been revoked.",
        "zh-Hans": "该认证由{post}出具，未被撤销。",
        "zh-Hant": "該認證由{post}出具，未被撤銷。",
        "vi": "Chứng nhận này do {post} cấp và chưa bị thu hồi.",
    },
    "revoked": {
        "en": "Revoked",
        "zh-Hans": "已撤销",
        "zh-Hant": "已撤銷",
        "vi": "Đã thu hồi",
    },
    "revoked_text": {
        "en": "This legalization was issued by {post} but was revoked on {date}. Do not accept it.",
        "zh-Hans": "该认证由{post}出具，但已于{date}撤销。请勿接受。",
        "zh-Hant": "該認證由{post}出具，但已於{date}撤銷。請勿接受。",
        "vi": "Chứng nhận này do {post} cấp nhưng đã bị thu hồi ngày {date}. Không chấp nhận.",
    },
    "not_found": {
        "en": "Not found",
        "zh-Hans": "未找到",
        "zh-Hant": "找不到",
        "vi": "Không tìm thấy",
    },
    "not_found_text": {
        "en": "No legalization matches this code. The sticker may be damaged or not genuine: "
        "ask the mission that issued it, quoting the numbers printed on the sticker.",
        "zh-Hans": "没有与此二维码相符的认证。贴纸可能已损坏或并非真实：请凭贴纸上印的编号向出具认证的使领馆查询。",
        "zh-Hant": "沒有與此二維碼相符的認證。貼紙可能已損壞或並非真實：請憑貼紙上印的編號向出具認證的使領館查詢。",
        "vi": "Không có chứng nhận nào khớp với mã này. Tem có thể bị hỏng hoặc không thật: "
        "hãy hỏi cơ quan đại diện đã cấp, kèm các số in trên tem.",
    },
    "checked_at": {
        "en": "Checked online on {date} (UTC).",
        "zh-Hans": "于{date}（UTC）在线核验。",
        "zh-Hant": "於{date}（UTC）線上核驗。",
        "vi": "Kiểm tra trực tuyến lúc {date} (UTC).",
    },
    "offline_note": {
        "en": "The QR code is signed: it can also be checked without a connection, with the "
        "ministry's published keys. Only this online check shows a later revocation.",
        "zh-Hans": "二维码带有数字签名，也可使用外交部公布的公钥离线核验。只有在线核验能显示其后的撤销。",
        "zh-Hant": "二維碼帶有數位簽章，也可使用外交部公布的公鑰離線核驗。只有線上核驗能顯示其後的撤銷。",
        "vi": "Mã QR có chữ ký số: cũng có thể kiểm tra khi không có mạng bằng khóa công khai "
        "của Bộ. Chỉ kiểm tra trực tuyến mới cho biết việc thu hồi sau đó.",
    },
    "language": {
        "en": "Language",
        "zh-Hans": "语言",
        "zh-Hant": "語言",
        "vi": "Ngôn ngữ",
    },
    # field labels
    "authentication_number": {
        "en": "Authentication number",
        "zh-Hans": "认证编号",
        "zh-Hant": "認證編號",
        "vi": "Số chứng nhận",
    },
    "sub_number": {"en": "Sub-number", "zh-Hans": "子编号", "zh-Hant": "子編號", "vi": "Số phụ"},
    "sticker_number": {
        "en": "Sticker number",
        "zh-Hans": "贴纸编号",
        "zh-Hant": "貼紙編號",
        "vi": "Số tem",
    },
    "document_type": {
        "en": "Document type",
        "zh-Hans": "文书类别",
        "zh-Hant": "文書類別",
        "vi": "Loại giấy tờ",
    },
    "document_title": {
        "en": "Document",
        "zh-Hans": "文书名称",
        "zh-Hant": "文書名稱",
        "vi": "Tên giấy tờ",
    },
    "issuer": {
        "en": "Issued by",
        "zh-Hans": "出具机关",
        "zh-Hant": "出具機關",
        "vi": "Cơ quan cấp giấy tờ",
    },
    "signer": {
        "en": "Seal and signature of",
        "zh-Hans": "所认证的印章和签字",
        "zh-Hant": "所認證的印章和簽字",
        "vi": "Con dấu và chữ ký của",
    },
    "legalized_on": {
        "en": "Legalized on",
        "zh-Hans": "认证日期",
        "zh-Hant": "認證日期",
        "vi": "Ngày chứng nhận",
    },
    "place": {"en": "Place", "zh-Hans": "认证地点", "zh-Hant": "認證地點", "vi": "Nơi chứng nhận"},
    "country_of_use": {
        "en": "For use in",
        "zh-Hans": "使用国",
        "zh-Hant": "使用國",
        "vi": "Sử dụng tại",
    },
    "submitted_by": {
        "en": "Submitted by",
        "zh-Hans": "申请人",
        "zh-Hant": "申請人",
        "vi": "Người nộp",
    },
    "issuing_post": {
        "en": "Issuing mission",
        "zh-Hans": "出具使领馆",
        "zh-Hant": "出具使領館",
        "vi": "Cơ quan đại diện cấp",
    },
    "signed_at": {
        "en": "QR code signed on",
        "zh-Hans": "二维码签发日期",
        "zh-Hant": "二維碼簽發日期",
        "vi": "Mã QR ký ngày",
    },
}

DOCUMENT_TYPE_NAMES: dict[str, dict[str, str]] = {
    "civil_status": {
        "en": "Civil status",
        "zh-Hans": "民事身份",
        "zh-Hant": "民事身分",
        "vi": "Hộ tịch",
    },
    "education": {"en": "Education", "zh-Hans": "学历", "zh-Hant": "學歷", "vi": "Giáo dục"},
    "commercial": {"en": "Commercial", "zh-Hans": "商业", "zh-Hant": "商業", "vi": "Thương mại"},
    "notarial": {"en": "Notarial", "zh-Hans": "公证", "zh-Hant": "公證", "vi": "Công chứng"},
    "judicial": {"en": "Judicial", "zh-Hans": "司法", "zh-Hant": "司法", "vi": "Tư pháp"},
    "medical": {"en": "Medical", "zh-Hans": "医疗", "zh-Hant": "醫療", "vi": "Y tế"},
    "other": {"en": "Other", "zh-Hans": "其他", "zh-Hant": "其他", "vi": "Khác"},
}
