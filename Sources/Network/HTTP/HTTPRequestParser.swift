/// Incremental, bounded parser for the request head a server receives
/// ("GET /path HTTP/1.1" + headers). Request bodies are not read: the server
/// only serves GET and HEAD and closes after each response.
public struct HTTPRequestParser {
    public private(set) var method = ""
    /// The request target as sent (still percent-encoded; pass it to `HTTPPath.sanitise`).
    public private(set) var target = ""
    public private(set) var version = ""
    public private(set) var headers: [HTTPHeader] = []
    public private(set) var isComplete = false

    private var head: HTTPHeaderAccumulator
    /// The request line has ended (so a long line is a header problem, not a URI one).
    private var sawLineEnd = false
    private let maximumTargetLength: Int

    public init(maximumHeaderBytes: Int = 8 * 1024, maximumTargetLength: Int = 2048) {
        head = HTTPHeaderAccumulator(limit: maximumHeaderBytes)
        self.maximumTargetLength = maximumTargetLength
    }

    /// Consumes bytes until the head is complete; returns how many were used
    /// (the rest belong to a body or a pipelined request).
    @discardableResult
    public mutating func feed(_ bytes: [UInt8]) throws(HTTPError) -> Int {
        var index = 0
        while index < bytes.count && !isComplete {
            let byte = bytes[index]
            index += 1
            // A request line that is already too long cannot become valid: fail early.
            if byte == 10 && !head.bytes.isEmpty { sawLineEnd = true }
            if !sawLineEnd && head.bytes.count > maximumTargetLength + 32 { throw .uriTooLong }
            if try head.add(byte) { try parseHead() }
        }
        return index
    }

    public var isHead: Bool { method == "HEAD" }
    public var keepAlive: Bool { false }

    private mutating func parseHead() throws(HTTPError) {
        let lines = HTTPText.lines(head.bytes)
        guard let requestLine = lines.first else { throw .malformedRequestLine }
        let parts = requestLine.split(separator: 32, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy(HTTPText.isTokenByte), !parts[1].isEmpty else {
            throw .malformedRequestLine
        }
        guard parts[1].count <= maximumTargetLength else { throw .uriTooLong }
        guard parts[1].allSatisfy({ $0 > 32 && $0 < 127 }) else { throw .malformedRequestLine }
        guard parts[2].starts(with: Array("HTTP/".utf8)) else { throw .malformedRequestLine }
        guard parts[2].count == 8, parts[2].starts(with: Array("HTTP/1.".utf8)) else { throw .unsupportedVersion }
        var parsed: [HTTPHeader] = []
        for line in lines.dropFirst() where !line.isEmpty {
            guard let header = HTTPText.header(line) else { throw .malformedHeader }
            parsed.append(header)
        }
        method = HTTPText.string(parts[0])
        target = HTTPText.string(parts[1])
        version = HTTPText.string(parts[2])
        headers = parsed
        isComplete = true
        head.bytes = []
    }
}
