/// Incremental HTTP/1.x response parser for a client: feed bytes as they
/// arrive, get body bytes back as soon as they are decoded. Handles
/// Content-Length, chunked transfer coding and read-until-close bodies, with a
/// bound on header size; malformed input gives an `HTTPError`, never a trap.
public struct HTTPResponseParser {
    public private(set) var statusCode = 0
    public private(set) var reason = ""
    public private(set) var version = ""
    public private(set) var headers: [HTTPHeader] = []
    public private(set) var headersComplete = false
    /// The whole body has arrived (Content-Length reached, last chunk seen, or `finish()` for until-close bodies).
    public private(set) var isComplete = false
    /// The announced length, when the body has one.
    public private(set) var contentLength: Int? = nil
    public private(set) var bodyBytesReceived = 0

    enum Body {
        case none
        case length(remaining: Int)
        case chunkSize(line: [UInt8])
        case chunkData(remaining: Int)
        case chunkDataEnd(sawCR: Bool)
        case trailers(HTTPHeaderAccumulator)
        case untilClose
    }

    private var head: HTTPHeaderAccumulator
    private var body = Body.none
    private let isResponseToHead: Bool
    private let maximumChunkLine = 1024

    public init(maximumHeaderBytes: Int = 16 * 1024, isResponseToHead: Bool = false) {
        head = HTTPHeaderAccumulator(limit: maximumHeaderBytes)
        self.isResponseToHead = isResponseToHead
    }

    public var isChunked: Bool {
        switch body {
        case .chunkSize, .chunkData, .chunkDataEnd, .trailers: return true
        default: return false
        }
    }

    /// Consumes `bytes`; returns the body bytes they contained. Bytes after a complete response are ignored.
    public mutating func feed(_ bytes: [UInt8]) throws(HTTPError) -> [UInt8] {
        var output: [UInt8] = []
        var index = 0
        while index < bytes.count && !isComplete {
            if !headersComplete {
                let done = try head.add(bytes[index])
                index += 1
                if done { try parseHead() }
                continue
            }
            switch body {
            case .none:
                isComplete = true
            case .length(let remaining):
                let n = min(remaining, bytes.count - index)
                // All of `bytes` is body (the common case once the headers are
                // in): hand the array on, shared, instead of copying it.
                if index == 0 && n == bytes.count && output.isEmpty { output = bytes } else { output += bytes[index..<(index + n)] }
                index += n
                bodyBytesReceived += n
                body = .length(remaining: remaining - n)
                if remaining - n == 0 { isComplete = true }
            case .untilClose:
                if index == 0 && output.isEmpty { output = bytes } else { output += bytes[index...] }
                bodyBytesReceived += bytes.count - index
                index = bytes.count
            case .chunkSize(var line):
                let byte = bytes[index]
                index += 1
                if byte == 10 {
                    let size = try HTTPResponseParser.chunkSize(line)
                    body = size == 0 ? .trailers(HTTPHeaderAccumulator(limit: head.limit)) : .chunkData(remaining: size)
                } else {
                    line.append(byte)
                    if line.count > maximumChunkLine { throw .badChunkSize }
                    body = .chunkSize(line: line)
                }
            case .chunkData(let remaining):
                let n = min(remaining, bytes.count - index)
                output += bytes[index..<(index + n)]
                index += n
                bodyBytesReceived += n
                body = remaining - n == 0 ? .chunkDataEnd(sawCR: false) : .chunkData(remaining: remaining - n)
            case .chunkDataEnd(let sawCR):
                let byte = bytes[index]
                index += 1
                if byte == 13 && !sawCR {
                    body = .chunkDataEnd(sawCR: true)
                } else if byte == 10 {
                    body = .chunkSize(line: [])
                } else {
                    throw .malformedChunk
                }
            case .trailers(var accumulator):
                let byte = bytes[index]
                index += 1
                // The empty trailer section is just CRLF: the accumulator skips leading blank lines, so check by hand.
                if accumulator.bytes.isEmpty && byte == 10 {
                    isComplete = true
                } else if try accumulator.add(byte) {
                    isComplete = true
                } else {
                    body = .trailers(accumulator)
                }
            }
        }
        if headersComplete, case .none = body { isComplete = true }
        return output
    }

    /// The connection closed: completes an until-close body, or reports a truncated one.
    public mutating func finish() throws(HTTPError) {
        if isComplete { return }
        if !headersComplete { throw .malformedStatusLine }
        if case .untilClose = body {
            isComplete = true
            return
        }
        throw .truncatedBody
    }

    /// Hex size before an optional ";extension", CR tolerated at the end.
    static func chunkSize(_ line: [UInt8]) throws(HTTPError) -> Int {
        var digits = line[...]
        if let semicolon = digits.firstIndex(of: UInt8(ascii: ";")) { digits = digits[..<semicolon] }
        digits = HTTPText.trimmed(digits)
        guard !digits.isEmpty, digits.count <= 15 else { throw .badChunkSize }
        var size = 0
        for byte in digits {
            guard let digit = HTTPText.hexValue(byte) else { throw .badChunkSize }
            size = size * 16 + digit
        }
        return size
    }

    private mutating func parseHead() throws(HTTPError) {
        let lines = HTTPText.lines(head.bytes)
        guard let statusLine = lines.first else { throw .malformedStatusLine }
        // "HTTP/1.1 200 OK"
        let parts = statusLine.split(separator: 32, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].starts(with: Array("HTTP/1.".utf8)), parts[0].count == 8,
              parts[1].count == 3, let code = HTTPText.decimal(parts[1]), code >= 100 else { throw .malformedStatusLine }
        var parsed: [HTTPHeader] = []
        for line in lines.dropFirst() where !line.isEmpty {
            guard let header = HTTPText.header(line) else { throw .malformedHeader }
            parsed.append(header)
        }
        if code < 200 {
            // Interim response (100 Continue): the real one follows.
            head = HTTPHeaderAccumulator(limit: head.limit)
            return
        }
        statusCode = code
        version = HTTPText.string(parts[0])
        reason = parts.count > 2 ? HTTPText.string(parts[2]) : ""
        headers = parsed
        headersComplete = true
        head.bytes = []
        if isResponseToHead || code == 204 || code == 304 {
            body = .none
            return
        }
        if let coding = parsed.value(for: "Transfer-Encoding"), HTTPText.containsIgnoringCase(coding, "chunked") {
            body = .chunkSize(line: [])
            return
        }
        var length: Int? = nil
        for header in parsed where HTTPText.equalsIgnoringCase(header.name, "Content-Length") {
            guard let value = HTTPText.decimal(Array(header.value.utf8)[...]) else { throw .badContentLength }
            if let length, length != value { throw .badContentLength }
            length = value
        }
        if let length {
            contentLength = length
            body = length == 0 ? .none : .length(remaining: length)
        } else {
            body = .untilClose
        }
    }
}
