import XCTest
@testable import Network

final class HTTPServerTests: XCTestCase {
    func text(_ s: String) -> [UInt8] { Array(s.utf8) }

    func testRequestParsedIncrementally() throws {
        var parser = HTTPRequestParser()
        let request = text("GET /docs/a%20b.txt?x=1 HTTP/1.1\r\nHost: lumen\r\nUser-Agent: curl\r\n\r\n")
        for i in 0..<(request.count - 1) { try parser.feed([request[i]]) }
        XCTAssertFalse(parser.isComplete)
        try parser.feed([request[request.count - 1]])
        XCTAssertTrue(parser.isComplete)
        XCTAssertEqual(parser.method, "GET")
        XCTAssertEqual(parser.target, "/docs/a%20b.txt?x=1")
        XCTAssertEqual(parser.version, "HTTP/1.1")
        XCTAssertEqual(parser.headers.value(for: "HOST"), "lumen")
        XCTAssertEqual(try HTTPPath.sanitise(parser.target), "/docs/a b.txt")
    }

    func testHostileRequestsAreRejected() {
        func error(_ s: String, limit: Int = 1024) -> HTTPError? {
            var parser = HTTPRequestParser(maximumHeaderBytes: limit, maximumTargetLength: 256)
            do { try parser.feed(text(s)); return parser.isComplete ? nil : nil } catch let e as HTTPError { return e } catch { return nil }
        }
        XCTAssertEqual(error("GET / HTTP/1.1\r\n" + String(repeating: "X: y\r\n", count: 1000)), .headersTooLarge)
        XCTAssertEqual(error("GET /" + String(repeating: "a", count: 5000)), .uriTooLong)
        XCTAssertEqual(error("GET / HTTP/2.0\r\n\r\n"), .unsupportedVersion)
        XCTAssertEqual(error("GET /\r\n\r\n"), .malformedRequestLine)
        XCTAssertEqual(error("GET  / HTTP/1.1\r\n\r\n"), .malformedRequestLine)
        XCTAssertEqual(error("G(T / HTTP/1.1\r\n\r\n"), .malformedRequestLine)
        XCTAssertEqual(error("GET / HTTP/1.1\r\n: empty\r\n\r\n"), .malformedHeader)
        XCTAssertEqual(HTTPError.headersTooLarge.statusCode, 431)
        XCTAssertEqual(HTTPError.escapesRoot.statusCode, 403)
    }

    func testPathSanitising() {
        func sanitised(_ s: String) -> String? { try? HTTPPath.sanitise(s) }
        func error(_ s: String) -> HTTPError? {
            do { _ = try HTTPPath.sanitise(s); return nil } catch { return error }
        }
        XCTAssertEqual(sanitised("/"), "/")
        XCTAssertEqual(sanitised("//a///b/./c/"), "/a/b/c/")
        XCTAssertEqual(sanitised("/a/b/../c"), "/a/c")
        XCTAssertEqual(sanitised("/a/%2e%2e/b"), "/b")
        XCTAssertEqual(sanitised("/caf%C3%A9.txt"), "/café.txt")
        XCTAssertEqual(error("/.."), .escapesRoot)
        XCTAssertEqual(error("/../etc/passwd"), .escapesRoot)
        XCTAssertEqual(error("/..%2f..%2fetc/passwd"), .escapesRoot)
        XCTAssertEqual(error("/a/%2e%2e/%2e%2e/x"), .escapesRoot)
        XCTAssertEqual(error("/file%00.txt"), .forbiddenCharacter)
        XCTAssertEqual(error("/a%5c..%5c..%5cwin.ini"), .forbiddenCharacter)
        XCTAssertEqual(error("/%ff"), .forbiddenCharacter)
        XCTAssertEqual(error("/bad%2"), .badPercentEncoding)
        XCTAssertEqual(error("/bad%zz"), .badPercentEncoding)
        XCTAssertEqual(error("relative"), .notAbsolute)
        XCTAssertEqual(error("/..")?.statusCode, 403)
    }

    func testOkResponseHasLengthAndType() {
        let bytes = HTTPResponse.file(body: text("<p>hi</p>"), path: "/INDEX.HTML").serialised()
        let wire = String(decoding: bytes, as: UTF8.self)
        XCTAssertTrue(wire.hasPrefix("HTTP/1.1 200 OK\r\n"))
        XCTAssertTrue(wire.contains("Content-Type: text/html; charset=utf-8\r\n"))
        XCTAssertTrue(wire.contains("Content-Length: 9\r\n"))
        XCTAssertTrue(wire.contains("Connection: close\r\n"))
        XCTAssertTrue(wire.hasSuffix("\r\n\r\n<p>hi</p>"))
        let head = String(decoding: HTTPResponse.file(body: text("<p>hi</p>"), path: "/a.html").serialised(includeBody: false), as: UTF8.self)
        XCTAssertTrue(head.hasSuffix("Content-Length: 9\r\nConnection: close\r\n\r\n"), "HEAD: headers only")
        XCTAssertEqual(HTTPResponse.contentType(forPath: "/x.png"), "image/png")
        XCTAssertEqual(HTTPResponse.contentType(forPath: "/dir.d/noext"), "application/octet-stream")
        XCTAssertEqual(HTTPResponse.contentType(forPath: "/readme.TXT"), "text/plain; charset=utf-8")
    }

    func testErrorResponsesRoundTripThroughOurOwnParser() throws {
        for (response, code) in [(HTTPResponse.notFound(), 404), (.forbidden(), 403), (.badRequest(), 400),
                                 (.methodNotAllowed(), 405), (.error(.escapesRoot), 403)] {
            var parser = HTTPResponseParser()
            let body = try parser.feed(response.serialised())
            XCTAssertEqual(parser.statusCode, code)
            XCTAssertTrue(parser.isComplete)
            XCTAssertTrue(String(decoding: body, as: UTF8.self).contains(String(code)))
            if code == 405 { XCTAssertEqual(parser.headers.value(for: "Allow"), "GET, HEAD") }
        }
    }

    func testDirectoryListingEscapesNames() throws {
        let page = HTTPResponse.directoryListing(path: "/pub", entries: [
            HTTPDirectoryEntry(name: "<script>alert(1)</script>", isDirectory: false, size: 12),
            HTTPDirectoryEntry(name: "docs & notes", isDirectory: true, size: 0),
            HTTPDirectoryEntry(name: "a\"b", isDirectory: false, size: 3),
        ])
        let html = String(decoding: page.body, as: UTF8.self)
        XCTAssertFalse(html.contains("<script>"))
        XCTAssertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        XCTAssertTrue(html.contains("href=\"/pub/docs%20%26%20notes/\""))
        XCTAssertTrue(html.contains("docs &amp; notes/"))
        XCTAssertTrue(html.contains("a&quot;b"))
        XCTAssertFalse(html.contains("a\"b"))
        XCTAssertTrue(html.contains("Index of /pub/"))
        XCTAssertTrue(html.contains("href=\"../\""))
        XCTAssertEqual(page.headers.value(for: "Content-Type"), "text/html; charset=utf-8")
    }
}
