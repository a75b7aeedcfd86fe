/// A request as `wget` sends it: one GET (or HEAD), then the server closes.
public struct HTTPClientRequest {
    public var method: String
    public var path: String
    public var host: String
    public var port: UInt16
    public var extraHeaders: [HTTPHeader]

    public init(method: String = "GET", path: String, host: String, port: UInt16 = 80, extraHeaders: [HTTPHeader] = []) {
        self.method = method
        self.path = path.isEmpty ? "/" : path
        self.host = host
        self.port = port
        self.extraHeaders = extraHeaders
    }

    public static func get(_ path: String, host: String, port: UInt16 = 80) -> HTTPClientRequest {
        HTTPClientRequest(path: path, host: host, port: port)
    }

    /// The wire form. CR/LF in caller-supplied fields are dropped so they cannot inject headers.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        func add(_ text: String) { out += text.utf8.filter { $0 != 13 && $0 != 10 } }
        func line(_ text: String) { add(text); out += [13, 10] }
        add(method); add(" "); add(path); line(" HTTP/1.1")
        add("Host: "); add(host)
        if port != 80 { add(":"); add(String(port)) }
        out += [13, 10]
        line("User-Agent: Lumen")
        line("Accept: */*")
        line("Connection: close")
        for header in extraHeaders { add(header.name); add(": "); line(header.value) }
        out += [13, 10]
        return out
    }
}
