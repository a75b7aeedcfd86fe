import XCTest
@testable import Network

final class HTTPClientTests: XCTestCase {
    func text(_ s: String) -> [UInt8] { Array(s.utf8) }

    func testRequestHasHostAgentAndClose() {
        let request = String(decoding: HTTPClientRequest.get("/index.html", host: "10.0.2.2", port: 8080).bytes, as: UTF8.self)
        XCTAssertTrue(request.hasPrefix("GET /index.html HTTP/1.1\r\n"))
        XCTAssertTrue(request.contains("Host: 10.0.2.2:8080\r\n"))
        XCTAssertTrue(request.contains("User-Agent: Lumen\r\n"))
        XCTAssertTrue(request.contains("Connection: close\r\n"))
        XCTAssertTrue(request.hasSuffix("\r\n\r\n"))
        let injected = String(decoding: HTTPClientRequest.get("/a\r\nX-Evil: 1", host: "h").bytes, as: UTF8.self)
        XCTAssertFalse(injected.contains("\r\nX-Evil"), "CR/LF cannot inject headers")
    }

    func testContentLengthBodyFedByteByByte() throws {
        var parser = HTTPResponseParser()
        let response = text("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello worldEXTRA")
        var body: [UInt8] = []
        for byte in response { body += try parser.feed([byte]) }
        XCTAssertEqual(parser.statusCode, 200)
        XCTAssertEqual(parser.reason, "OK")
        XCTAssertEqual(parser.headers.value(for: "content-type"), "text/plain")
        XCTAssertEqual(parser.contentLength, 11)
        XCTAssertTrue(parser.isComplete)
        XCTAssertEqual(String(decoding: body, as: UTF8.self), "hello world")
    }

    /// Once the headers are in, a piece that is all body is handed on as it
    /// is, not copied (on wget's download path in the guest, copies cost a third of the time).
    func testAPieceThatIsAllBodyIsPassedOnWithoutACopy() throws {
        var parser = HTTPResponseParser()
        XCTAssertEqual(try parser.feed(Array("HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nab".utf8)), Array("ab".utf8))
        let piece: [UInt8] = Array("cdef".utf8)
        let body = try parser.feed(piece)
        XCTAssertEqual(body, piece)
        XCTAssertEqual(body.withUnsafeBufferPointer { $0.baseAddress }, piece.withUnsafeBufferPointer { $0.baseAddress })
        XCTAssertEqual(try parser.feed(Array("ghIGNORED".utf8)), Array("gh".utf8), "the length still ends the body")
        XCTAssertTrue(parser.isComplete)
    }

    func testChunkedBodyWithExtensionsAndTrailers() throws {
        var parser = HTTPResponseParser()
        let response = text("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=x\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n")
        var body = try parser.feed(Array(response[0..<30]))
        body += try parser.feed(Array(response[30..<61]))
        XCTAssertFalse(parser.isComplete)
        body += try parser.feed(Array(response[61...]))
        XCTAssertTrue(parser.isChunked)
        XCTAssertTrue(parser.isComplete)
        XCTAssertEqual(String(decoding: body, as: UTF8.self), "hello world")
    }

    func testChunkedWithoutTrailers() throws {
        var parser = HTTPResponseParser()
        let body = try parser.feed(text("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n"))
        XCTAssertTrue(parser.isComplete)
        XCTAssertEqual(body.count, 10)
    }

    func testBodyUntilClose() throws {
        var parser = HTTPResponseParser()
        var body = try parser.feed(text("HTTP/1.0 200 OK\r\n\r\nabc"))
        body += try parser.feed(text("def"))
        XCTAssertFalse(parser.isComplete)
        try parser.finish()
        XCTAssertTrue(parser.isComplete)
        XCTAssertEqual(String(decoding: body, as: UTF8.self), "abcdef")
    }

    func testTruncatedContentLengthBodyIsAnError() throws {
        var parser = HTTPResponseParser()
        _ = try parser.feed(text("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort"))
        XCTAssertThrowsError(try parser.finish()) { XCTAssertEqual($0 as? HTTPError, .truncatedBody) }
    }

    func testNoBodyFor204AndHead() throws {
        var parser = HTTPResponseParser()
        _ = try parser.feed(text("HTTP/1.1 204 No Content\r\n\r\n"))
        XCTAssertTrue(parser.isComplete)
        var head = HTTPResponseParser(isResponseToHead: true)
        _ = try head.feed(text("HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n"))
        XCTAssertTrue(head.isComplete)
    }

    func testInterimResponseIsSkipped() throws {
        var parser = HTTPResponseParser()
        let body = try parser.feed(text("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno"))
        XCTAssertEqual(parser.statusCode, 404)
        XCTAssertEqual(body, text("no"))
    }

    func testMalformedResponsesGiveClearErrors() {
        func error(_ s: String) -> HTTPError? {
            var parser = HTTPResponseParser(maximumHeaderBytes: 1024)
            do { _ = try parser.feed(text(s)); return nil } catch let e as HTTPError { return e } catch { return nil }
        }
        XCTAssertEqual(error("FTP/1.1 200 OK\r\n\r\n"), .malformedStatusLine)
        XCTAssertEqual(error("HTTP/1.1 2000 OK\r\n\r\n"), .malformedStatusLine)
        XCTAssertEqual(error("HTTP/1.1 abc OK\r\n\r\n"), .malformedStatusLine)
        XCTAssertEqual(error("HTTP/1.1 200 OK\r\nNoColonHere\r\n\r\n"), .malformedHeader)
        XCTAssertEqual(error("HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n"), .malformedHeader)
        XCTAssertEqual(error("HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n"), .badContentLength)
        XCTAssertEqual(error("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n"), .badContentLength)
        XCTAssertEqual(error("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"), .badContentLength)
        XCTAssertEqual(error("HTTP/1.1 200 OK\r\n" + String(repeating: "X-Long: aaaaaaaaaaaaaaaaaaaa\r\n", count: 100)), .headersTooLarge)
        XCTAssertEqual(error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"), .badChunkSize)
        XCTAssertEqual(error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\n"), .badChunkSize)
        XCTAssertEqual(error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n"), .badChunkSize)
        XCTAssertEqual(error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + String(repeating: "0", count: 2000)), .badChunkSize)
        XCTAssertEqual(error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY"), .malformedChunk)
        XCTAssertEqual(HTTPError.badChunkSize.message, "bad chunk size in chunked body")
    }

    /// Chunked bodies of valid chunks with random garbage mixed into some: a
    /// valid stream decodes to exactly its data and completes; a broken one ends
    /// in a chunk error (never another kind, never a trap), and delivers only
    /// bytes that were body. Feeding the same bytes in random pieces must give
    /// the same verdict and count as feeding them at once (and the same body
    /// when no error ends it).
    func testRandomChunkedBodiesGiveTheSameVerdictInAnyPieces() {
        struct Outcome: Equatable {
            var body: [UInt8] = []
            var error: HTTPError? = nil
            var complete = false
            var counted = 0
        }
        func parse(_ bytes: [UInt8], pieces: [Int]) -> Outcome {
            var parser = HTTPResponseParser(maximumHeaderBytes: 256)
            var outcome = Outcome()
            var start = 0
            for size in pieces + [bytes.count] where start < bytes.count {
                let end = min(bytes.count, start + size)
                do throws(HTTPError) { outcome.body += try parser.feed(Array(bytes[start ..< end])) } catch {
                    outcome.error = error
                    break
                }
                start = end
            }
            if outcome.error == nil {
                do throws(HTTPError) { try parser.finish() } catch { outcome.error = error }
            }
            outcome.complete = parser.isComplete
            outcome.counted = parser.bodyBytesReceived
            return outcome
        }
        var random = TCPTestRandom(seed: 5)
        var valid = 0, broken = 0
        for _ in 0 ..< 500 {
            var bytes = text("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            var data: [UInt8] = []
            var garbled = false
            for _ in 0 ..< random.below(6) {
                if random.below(4) == 0 {
                    garbled = true
                    for _ in 0 ..< 1 + random.below(40) { bytes.append(UInt8(truncatingIfNeeded: random.next())) }
                }
                let chunk = (0 ..< 1 + random.below(50)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                bytes += text(String(chunk.count, radix: 16) + "\r\n") + chunk + text("\r\n")
                data += chunk
            }
            bytes += text("0\r\n\r\n")
            let whole = parse(bytes, pieces: [])
            let inPieces = parse(bytes, pieces: (0 ..< 20).map { _ in 1 + random.below(30) })
            // A piece that ends in an error hands back none of its body, so
            // only the verdict and the count are the same when one is thrown.
            XCTAssertEqual(inPieces.error, whole.error, "the same bytes in pieces")
            XCTAssertEqual(inPieces.counted, whole.counted, "the same bytes in pieces")
            XCTAssertEqual(inPieces.complete, whole.complete, "the same bytes in pieces")
            if whole.error == nil {
                XCTAssertEqual(inPieces.body, whole.body, "the same bytes in pieces")
                XCTAssertEqual(whole.counted, whole.body.count, "the count is what was delivered")
            }
            XCTAssertLessThanOrEqual(inPieces.body.count, inPieces.counted)
            if !garbled {
                XCTAssertEqual(whole, Outcome(body: data, error: nil, complete: true, counted: data.count))
                valid += 1
            } else if let error = whole.error {
                XCTAssertTrue([.badChunkSize, .malformedChunk, .truncatedBody, .headersTooLarge].contains(error), "\(error)")
                XCTAssertFalse(error.message.isEmpty)
                XCTAssertFalse(whole.complete)
                broken += 1
            }
            XCTAssertLessThanOrEqual(whole.body.count, bytes.count)
        }
        XCTAssertGreaterThan(valid, 50)
        XCTAssertGreaterThan(broken, 50)
    }
}
