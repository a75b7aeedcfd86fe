/// One entry of a directory listing page.
public struct HTTPDirectoryEntry: Equatable {
    public var name: String
    public var isDirectory: Bool
    public var size: Int

    public init(name: String, isDirectory: Bool, size: Int) {
        self.name = name
        self.isDirectory = isDirectory
        self.size = size
    }
}

/// A response as `httpd` sends it: always `Connection: close` and a
/// Content-Length, so the client knows where the body ends.
public struct HTTPResponse {
    public var statusCode: Int
    public var reason: String
    public var headers: [HTTPHeader]
    public var body: [UInt8]

    public init(statusCode: Int, reason: String, headers: [HTTPHeader] = [], body: [UInt8] = []) {
        self.statusCode = statusCode
        self.reason = reason
        self.headers = headers
        self.body = body
    }

    /// Status line and headers for a body of `contentLength` bytes (lets a server stream a big file after it).
    public static func head(statusCode: Int, contentType: String, contentLength: Int,
                            extraHeaders: [HTTPHeader] = []) -> [UInt8] {
        var out: [UInt8] = []
        func line(_ text: String) { out += text.utf8.filter { $0 != 13 && $0 != 10 }; out += [13, 10] }
        line("HTTP/1.1 " + String(statusCode) + " " + reasonPhrase(statusCode))
        line("Server: Lumen")
        line("Content-Type: " + contentType)
        line("Content-Length: " + String(contentLength))
        line("Connection: close")
        for header in extraHeaders { line(header.name + ": " + header.value) }
        out += [13, 10]
        return out
    }

    /// The wire form; `includeBody: false` answers a HEAD request (same headers, no body).
    public func serialised(includeBody: Bool = true) -> [UInt8] {
        var extra = headers
        let contentType = extra.value(for: "Content-Type") ?? "text/plain; charset=utf-8"
        extra.removeAll { HTTPText.equalsIgnoringCase($0.name, "Content-Type") }
        var out = HTTPResponse.head(statusCode: statusCode, contentType: contentType, contentLength: body.count,
                                    extraHeaders: extra)
        if includeBody { out += body }
        return out
    }

    public static func ok(body: [UInt8], contentType: String) -> HTTPResponse {
        HTTPResponse(statusCode: 200, reason: "OK", headers: [HTTPHeader(name: "Content-Type", value: contentType)], body: body)
    }

    /// 200 with the Content-Type guessed from `path`'s extension.
    public static func file(body: [UInt8], path: String) -> HTTPResponse {
        ok(body: body, contentType: contentType(forPath: path))
    }

    public static func notFound() -> HTTPResponse { errorPage(404) }
    public static func forbidden() -> HTTPResponse { errorPage(403) }
    public static func badRequest() -> HTTPResponse { errorPage(400) }
    public static func methodNotAllowed() -> HTTPResponse {
        var response = errorPage(405)
        response.headers.append(HTTPHeader(name: "Allow", value: "GET, HEAD"))
        return response
    }
    /// The page for a request that failed to parse or sanitise.
    public static func error(_ error: HTTPError) -> HTTPResponse { errorPage(error.statusCode) }

    /// A small HTML page: "404 Not Found".
    public static func errorPage(_ code: Int) -> HTTPResponse {
        let title = String(code) + " " + reasonPhrase(code)
        let html = "<!DOCTYPE html>\n<html><head><title>" + title + "</title></head><body><h1>" + title
            + "</h1></body></html>\n"
        return HTTPResponse(statusCode: code, reason: reasonPhrase(code),
                            headers: [HTTPHeader(name: "Content-Type", value: "text/html; charset=utf-8")],
                            body: Array(html.utf8))
    }

    /// An HTML index of `path` (already sanitised). Names are HTML-escaped and percent-encoded in links.
    public static func directoryListing(path: String, entries: [HTTPDirectoryEntry]) -> HTTPResponse {
        let base = path.utf8.last == UInt8(ascii: "/") ? path : path + "/"
        let title = "Index of " + htmlEscape(base)
        var html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + title + "</title></head><body>\n<h1>"
            + title + "</h1>\n<ul>\n"
        if base != "/" { html += "<li><a href=\"../\">../</a></li>\n" }
        for entry in entries {
            let shown = entry.name + (entry.isDirectory ? "/" : "")
            let link = HTTPPath.encode(base + entry.name) + (entry.isDirectory ? "/" : "")
            html += "<li><a href=\"" + htmlEscape(link) + "\">" + htmlEscape(shown) + "</a>"
            if !entry.isDirectory { html += " " + String(entry.size) + " bytes" }
            html += "</li>\n"
        }
        html += "</ul>\n</body></html>\n"
        return ok(body: Array(html.utf8), contentType: "text/html; charset=utf-8")
    }

    public static func htmlEscape(_ text: String) -> String {
        var out: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "&"): out += Array("&amp;".utf8)
            case UInt8(ascii: "<"): out += Array("&lt;".utf8)
            case UInt8(ascii: ">"): out += Array("&gt;".utf8)
            case UInt8(ascii: "\""): out += Array("&quot;".utf8)
            case UInt8(ascii: "'"): out += Array("&#39;".utf8)
            default: out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func reasonPhrase(_ code: Int) -> String {
        switch code {
        case 200: return "OK"
        case 400: return "Bad Request"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 414: return "URI Too Long"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 505: return "HTTP Version Not Supported"
        default: return "Unknown"
        }
    }

    /// MIME type from the file extension (case-insensitive); binary when unknown.
    public static func contentType(forPath path: String) -> String {
        let bytes = Array(path.utf8)
        guard let dot = bytes.lastIndex(of: UInt8(ascii: ".")),
              !bytes[dot...].contains(UInt8(ascii: "/")) else { return "application/octet-stream" }
        let ext = String(decoding: bytes[(dot + 1)...].map(HTTPText.lower), as: UTF8.self)
        switch ext {
        case "html", "htm": return "text/html; charset=utf-8"
        case "txt", "md", "log", "sh", "swift", "c", "h": return "text/plain; charset=utf-8"
        case "css": return "text/css"
        case "js": return "text/javascript"
        case "json": return "application/json"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "gif": return "image/gif"
        case "svg": return "image/svg+xml"
        case "ico": return "image/x-icon"
        case "pdf": return "application/pdf"
        case "wasm": return "application/wasm"
        case "xml": return "application/xml"
        default: return "application/octet-stream"
        }
    }
}
