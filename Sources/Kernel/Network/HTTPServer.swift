import KernelSupport
import Platform
import Scheduling
import Shell
import Network
import Storage

/// `httpd`: serves the file tree read-only in the background. Connections are
/// accepted and advanced from the network tick: the request is parsed as it
/// arrives, the file is read in 64 KiB pieces as TCP's send buffer takes them,
/// and the connection is closed after the body. It runs on its own background
/// thread, woken by the network; it shares the disks with the shell through the
/// file layer's lock (`files.fat`), so it serves while commands run.
final class HTTPServer {
    final class Client {
        let connection: TCPConnection
        var parser = HTTPRequestParser()
        /// Still reading the request, or sending the answer.
        var sending = false
        /// Bytes ready to go (headers, a page, or the current piece of a file).
        var pending: [UInt8] = []
        var file: String? = nil
        var fileOffset: UInt64 = 0
        var fileSize: UInt64 = 0
        var finished = false
        let started: UInt64

        init(connection: TCPConnection, now: UInt64) {
            self.connection = connection
            started = now
        }
    }

    let files: Files
    /// The network whose TCP it listens on (nil without a network device).
    let net: Net?
    var listener: TCPListener? = nil
    var port: UInt16 = 0
    var clients: [Client] = []
    var served = 0
    static let pieceBytes = 64 << 10

    var isRunning: Bool { listener != nil }

    /// The server, not yet listening; the network wakes it when it has news.
    init(files: Files, net: Net?) {
        self.files = files
        self.net = net
        net?.activity = { if self.isRunning { self.wake() } }
    }

    func start(port: UInt16) -> String? {
        guard let tcp = net?.tcp else { return "no network device" }
        if listener != nil { return "already serving on port \(self.port) (httpd stop first)" }
        guard let listener = tcp.listen(port: port, backlog: 16) else { return "port \(port) is in use" }
        if thread == nil {
            thread = Threads.spawn(name: "httpd", priority: .background) { self.runThread() }
            guard thread != nil else { listener.close(); return "no memory for the server's thread" }
        }
        self.listener = listener
        self.port = port
        return nil
    }

    func stop() {
        listener?.close()
        listener = nil
        for client in clients { client.connection.abort() }
        clients.removeAll()
    }

    /// The server's thread sleeps here until the network has news.
    let queue = WaitQueue(name: "httpd")
    var thread: ScheduledThread? = nil

    /// Set by `wake`, taken by the thread: news that came while it was serving
    /// is not lost.
    var woken = false

    /// Frames came in or the network ticked (events thread).
    func wake() {
        woken = true
        Threads.wakeAll(queue)
    }

    func runThread() {
        while true {
            lumen_irq_disable()
            if !woken { _ = Threads.block(on: queue, until: GenericTimer.now().adding(milliseconds: 250)) }
            woken = false
            lumen_irq_enable()
            serve()
        }
    }

    func serve() {
        guard let listener else { return }
        let now = Net.milliseconds()
        while clients.count < 32, let connection = listener.accept() { clients.append(Client(connection: connection, now: now)) }
        for client in clients { advance(client, now: now) }
        clients.removeAll { $0.finished }
    }

    func advance(_ client: Client, now: UInt64) {
        let connection = client.connection
        if connection.error != nil || connection.state == .closed || now - client.started > 120_000 {
            connection.abort()
            client.finished = true
            return
        }
        if !client.sending {
            let bytes = connection.receive(maximum: 16 << 10)
            if !bytes.isEmpty {
                do throws(HTTPError) { _ = try client.parser.feed(bytes) } catch {
                    respond(client, HTTPResponse.error(error).serialised())
                    return
                }
            }
            if client.parser.isComplete { begin(client) } else if connection.isFinishedReceiving { finish(client) }
            return
        }
        // Send what is pending, then the next piece of the file.
        while true {
            if !client.pending.isEmpty {
                let taken = connection.send(client.pending)
                client.pending.removeFirst(taken)
                if !client.pending.isEmpty { return }
            }
            guard let file = client.file, client.fileOffset < client.fileSize else { break }
            let size = Int(min(UInt64(HTTPServer.pieceBytes), client.fileSize - client.fileOffset))
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
            defer { buffer.deallocate() }
            let count: Int
            do throws(FilesError) {
                let (volume, inner) = try files.route(file)
                let offset = client.fileOffset
                count = try files.fat { () throws(FATError) in try volume.read(inner, offset: offset, into: buffer) }
            } catch {
                connection.abort()
                client.finished = true
                return
            }
            if count == 0 { break }
            client.pending = Array(UnsafeRawBufferPointer(rebasing: buffer[0 ..< count]))
            client.fileOffset += UInt64(count)
        }
        finish(client)
    }

    /// The request is complete: decide what to send.
    func begin(_ client: Client) {
        client.sending = true
        let parser = client.parser
        guard parser.method == "GET" || parser.method == "HEAD" else {
            respond(client, HTTPResponse.methodNotAllowed().serialised())
            return
        }
        let path: String
        do throws(HTTPError) { path = try HTTPPath.sanitise(parser.target) } catch {
            respond(client, HTTPResponse.error(error).serialised(includeBody: !parser.isHead))
            return
        }
        let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        do throws(FilesError) {
            let isDirectory = trimmed == "/" ? true : try files.info(trimmed).isDirectory
            if isDirectory {
                let entries = try files.list(trimmed).map {
                    HTTPDirectoryEntry(name: $0.name, isDirectory: $0.isDirectory, size: Int(truncatingIfNeeded: $0.size))
                }.sorted { $0.name < $1.name }
                respond(client, HTTPResponse.directoryListing(path: path, entries: entries).serialised(includeBody: !parser.isHead))
                return
            }
            let info = try files.info(trimmed)
            client.pending = HTTPResponse.head(statusCode: 200, contentType: HTTPResponse.contentType(forPath: trimmed),
                                               contentLength: Int(info.size))
            if !parser.isHead {
                client.file = trimmed
                client.fileSize = info.size
            }
            served += 1
        } catch {
            switch error {
            case .fat(.notFound), .fat(.notADirectory), .noVolume: respond(client, HTTPResponse.notFound().serialised(includeBody: !parser.isHead))
            default: respond(client, HTTPResponse.errorPage(500).serialised(includeBody: !parser.isHead))
            }
        }
    }

    /// A whole answer (an error page or a listing): sent, then the connection closes.
    func respond(_ client: Client, _ bytes: [UInt8]) {
        client.sending = true
        client.pending = bytes
        client.file = nil
        served += 1
    }

    func finish(_ client: Client) {
        client.connection.close()
        client.finished = true
    }
}
