/// Everything that can be wrong with an HTTP message or a request path.
public enum HTTPError: Error, Equatable {
    case malformedStatusLine
    case malformedRequestLine
    case malformedHeader
    case headersTooLarge
    case uriTooLong
    case unsupportedVersion
    case badContentLength
    case badChunkSize
    case malformedChunk
    /// The connection closed before the body announced by the headers arrived.
    case truncatedBody
    case badPercentEncoding
    /// The path contains NUL or another byte that has no business in a file name.
    case forbiddenCharacter
    /// `..` would climb above the served root.
    case escapesRoot
    case notAbsolute

    public var message: String {
        switch self {
        case .malformedStatusLine: return "malformed HTTP status line"
        case .malformedRequestLine: return "malformed HTTP request line"
        case .malformedHeader: return "malformed HTTP header"
        case .headersTooLarge: return "HTTP headers too large"
        case .uriTooLong: return "request URI too long"
        case .unsupportedVersion: return "unsupported HTTP version"
        case .badContentLength: return "bad Content-Length"
        case .badChunkSize: return "bad chunk size in chunked body"
        case .malformedChunk: return "malformed chunk in chunked body"
        case .truncatedBody: return "connection closed before the body was complete"
        case .badPercentEncoding: return "bad percent-encoding in path"
        case .forbiddenCharacter: return "forbidden character in path"
        case .escapesRoot: return "path escapes the root"
        case .notAbsolute: return "path is not absolute"
        }
    }

    /// The status a server answers with.
    public var statusCode: Int {
        switch self {
        case .headersTooLarge: return 431
        case .uriTooLong: return 414
        case .unsupportedVersion: return 505
        case .forbiddenCharacter, .escapesRoot: return 403
        default: return 400
        }
    }
}
