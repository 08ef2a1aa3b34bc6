//! Status lines as Go's `net/http` reports them in `Response.Status`.
//!
//! Over HTTP/1.x Go keeps the server's reason phrase (`404 Not Found`, or whatever the
//! server wrote); over HTTP/2, which has no reason phrase, it builds
//! `<code> <http.StatusText(code)>` from its own table, which differs from other
//! libraries' (`413 Request Entity Too Large`, `416 Requested Range Not Satisfiable`)
//! and is empty for unknown codes (`599 `). A synthesized `file://` response carries
//! the bare text (`Not Found`).

/// Go's `http.StatusText`.
pub fn go_status_text(code: u16) -> &'static str {
    match code {
        100 => "Continue",
        101 => "Switching Protocols",
        102 => "Processing",
        103 => "Early Hints",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        207 => "Multi-Status",
        208 => "Already Reported",
        226 => "IM Used",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        305 => "Use Proxy",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Request Entity Too Large",
        414 => "Request URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Requested Range Not Satisfiable",
        417 => "Expectation Failed",
        418 => "I'm a teapot",
        421 => "Misdirected Request",
        422 => "Unprocessable Entity",
        423 => "Locked",
        424 => "Failed Dependency",
        425 => "Too Early",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        506 => "Variant Also Negotiates",
        507 => "Insufficient Storage",
        508 => "Loop Detected",
        510 => "Not Extended",
        511 => "Network Authentication Required",
        _ => "",
    }
}

/// Go's `Response.Status` for a response: the HTTP/1.x reason phrase as received
/// (`reason`), else (HTTP/2) Go's own text.
pub fn go_status_line(code: u16, http1_reason: Option<&str>) -> String {
    match http1_reason {
        Some(reason) => format!("{code} {reason}"),
        None => format!("{code} {}", go_status_text(code)),
    }
}
