import Foundation

/// A synchronous QMP (QEMU Machine Protocol) client over a unix socket. Not thread-safe by
/// itself; `QEMUInstance` serializes access.
///
/// Wire format (QEMU 7.2): one JSON object per line, terminated by "\r\n". After connecting the
/// server sends `{"QMP": {...}}`; the client must send `{"execute": "qmp_capabilities"}`
/// before anything else. Asynchronous `{"event": ...}` objects may appear at any time, even
/// between a command and its reply (e.g. `quit` emits SHUTDOWN *before* its `{"return": {}}`).
final class QMPClient {
    private let socket: UnixSocket
    private var buffer: [UInt8] = []
    private var nextID = 1
    private(set) var isBroken = false
    /// Events received so far (each is the full `{"event":..., "data":..., "timestamp":...}`).
    private(set) var events: [[String: Any]] = []
    private(set) var greeting: [String: Any] = [:]

    init(path: String, connectTimeout: TimeInterval, stillWorthTrying: () -> Bool) throws {
        let deadline = Deadline(after: connectTimeout)
        socket = try UnixSocket.connect(path: path, deadline: deadline, stillWorthTrying: stillWorthTrying)
        // The greeting only arrives once QEMU's main loop runs (machine created, kernel loaded).
        let greetingDeadline = deadline
        while greeting.isEmpty {
            let msg = try readMessage(deadline: greetingDeadline, what: "QMP greeting")
            if msg["QMP"] != nil { greeting = msg } else if msg["event"] != nil { events.append(msg) }
        }
        _ = try execute("qmp_capabilities", arguments: nil, timeout: TestSupportConfig.scaled(5))
    }

    deinit {
        socket.close()
    }

    func close() {
        socket.close()
        isBroken = true
    }

    /// Reads one JSON object (one line).
    private func readMessage(deadline: Deadline, what: String) throws -> [String: Any] {
        while true {
            if let nl = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[0..<nl])
                buffer.removeFirst(nl + 1)
                let trimmed = line.filter { $0 != UInt8(ascii: "\r") }
                if trimmed.allSatisfy({ $0 == 32 || $0 == 9 }) { continue }
                let obj: Any
                do {
                    obj = try JSONSerialization.jsonObject(with: Data(trimmed), options: [])
                } catch {
                    throw TestSupportError.protocolError(
                        "QMP sent invalid JSON: \(String(decoding: trimmed, as: UTF8.self))")
                }
                guard let dict = obj as? [String: Any] else {
                    throw TestSupportError.protocolError(
                        "QMP sent a non-object: \(String(decoding: trimmed, as: UTF8.self))")
                }
                return dict
            }
            switch try socket.receive(deadline: deadline) {
            case .data(let bytes):
                buffer.append(contentsOf: bytes)
            case .eof:
                isBroken = true
                throw TestSupportError.qmp("QMP connection closed by QEMU while waiting for \(what)")
            case .wouldBlock:
                throw TestSupportError.timeout("no \(what) from QMP within the timeout")
            }
        }
    }

    /// Sends a command and returns the value of its "return" member (any JSON type).
    func execute(_ command: String, arguments: [String: Any]?, timeout: TimeInterval) throws -> Any {
        if isBroken { throw TestSupportError.qmp("QMP connection is closed") }
        let id = nextID
        nextID += 1
        var request: [String: Any] = ["execute": command, "id": id]
        if let arguments = arguments { request["arguments"] = arguments }
        guard JSONSerialization.isValidJSONObject(request) else {
            throw TestSupportError.invalidArgument("QMP arguments for \(command) are not JSON-serializable: \(request)")
        }
        var data = try JSONSerialization.data(withJSONObject: request, options: [])
        data.append(UInt8(ascii: "\n"))
        let deadline = Deadline(after: timeout)
        do {
            try socket.send(Array(data), deadline: deadline)
        } catch {
            isBroken = true
            throw TestSupportError.qmp("sending \(command) failed: \(error)")
        }
        while true {
            let msg = try readMessage(deadline: deadline, what: "reply to \(command)")
            if msg["event"] != nil {
                events.append(msg)
                continue
            }
            // Replies carry our id back; skip stale replies to earlier, timed-out commands.
            if let replyID = msg["id"] as? Int, replyID != id { continue }
            if let error = msg["error"] as? [String: Any] {
                let cls = error["class"] as? String ?? "?"
                let desc = error["desc"] as? String ?? "\(error)"
                throw TestSupportError.qmp("\(command) failed: \(cls): \(desc)")
            }
            if let ret = msg["return"] {
                return ret
            }
            // Unknown message shape: ignore (forward compatibility).
        }
    }

    /// Waits for an event named `name` (also looking at events already received and not yet
    /// consumed). Consumes and returns it.
    func waitForEvent(_ name: String, timeout: TimeInterval) throws -> [String: Any] {
        let deadline = Deadline(after: timeout)
        while true {
            if let i = events.firstIndex(where: { ($0["event"] as? String) == name }) {
                return events.remove(at: i)
            }
            if isBroken { throw TestSupportError.qmp("QMP connection is closed") }
            let msg = try readMessage(deadline: deadline, what: "event \(name)")
            if msg["event"] != nil { events.append(msg) }
        }
    }

    /// Drains events already sitting in the socket without blocking.
    func pollEvents() {
        while !isBroken {
            guard let msg = try? readMessage(deadline: Deadline(after: 0), what: "events") else { return }
            if msg["event"] != nil { events.append(msg) }
        }
    }

    func takeEvents() -> [[String: Any]] {
        let e = events
        events.removeAll()
        return e
    }
}
