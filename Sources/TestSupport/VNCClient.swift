import Foundation

/// A minimal RFB 3.8 client for QEMU's VNC server over a unix socket, without authentication
/// (QEMU's default for `-vnc unix:...`). Raw encoding only, 32 bpp little-endian true colour
/// (QEMU's native format, so the server does no conversion).
///
/// Announced encodings: Raw (0), DesktopSize (-223), ExtendedDesktopSize (-308), QEMU's
/// LED state pseudo-encoding (-261) and, by default, the cursor pseudo-encodings Alpha Cursor
/// (-314) and Cursor a.k.a. rich cursor (-239) (see `CursorEncoding` and `VNCCursor`). A
/// background thread parses every server message, so `ledState` / `framebufferSize` /
/// `cursor` are always current; waits poll with FramebufferUpdateRequests and are bounded.
///
/// QEMU's LED state message is a FramebufferUpdate with one 1x1 rectangle at (0,0), encoding
/// -261, followed by one byte: bit0 ScrollLock, bit1 NumLock, bit2 CapsLock. QEMU sends it
/// right after SetEncodings (current state) and again whenever the guest changes its keyboard
/// LEDs (only on a real change), independent of update requests.
public final class VNCClient: @unchecked Sendable {
    /// One ExtendedDesktopSize rectangle received from the server.
    public struct DesktopSizeEvent: Sendable, Equatable {
        /// 0 = changed by the server/guest, 1 = reply to our SetDesktopSize, 2 = other client.
        public let reason: Int
        /// 0 = success, 1 = prohibited, 2 = out of resources, 3 = invalid layout,
        /// 4 = QEMU: "request forwarded" (to the guest, which may or may not resize).
        public let status: Int
        public let width: Int
        public let height: Int
    }

    /// Which cursor pseudo-encodings the client announces.
    ///
    /// QEMU (ui/vnc.c `vnc_cursor_define`) sends the guest's cursor shape as an Alpha Cursor
    /// rectangle whenever the client announced -314, whatever the order of the list, and as a
    /// rich Cursor rectangle only otherwise. A client that announces neither never learns the
    /// cursor shape (QEMU's VNC server does not draw it into the framebuffer).
    public enum CursorEncoding: Sendable {
        /// Announce no cursor pseudo-encoding.
        case none
        /// Announce Cursor (-239) only: pixels in the client pixel format plus a 1-bit mask.
        case rich
        /// Announce Alpha Cursor (-314), with Cursor (-239) as the fallback for other servers.
        case alpha

        var encodings: [Int32] {
            switch self {
            case .none: return []
            case .rich: return [VNCCursor.Source.richCursor.rawValue]
            case .alpha: return [VNCCursor.Source.alphaCursor.rawValue, VNCCursor.Source.richCursor.rawValue]
            }
        }
    }

    private let connection: Connection

    /// The desktop name from ServerInit (QEMU: "QEMU" or "QEMU (<-name>)").
    public let serverName: String
    /// "RFB 003.008" as sent by the server.
    public let serverVersion: String

    /// Connects to a VNC server listening on the unix socket at `socketPath`, retrying while
    /// it does not exist yet (up to `timeout`), and performs the whole handshake.
    ///
    /// `cursorEncoding` chooses the cursor pseudo-encodings announced (default: alpha cursor,
    /// with rich cursor as fallback).
    public init(socketPath: String, timeout: TimeInterval = 10, cursorEncoding: CursorEncoding = .alpha,
                stillWorthTrying: () -> Bool = { true }) throws {
        let deadline = Deadline(after: TestSupportConfig.scaled(timeout))
        let socket = try UnixSocket.connect(path: socketPath, deadline: deadline,
                                            stillWorthTrying: stillWorthTrying)
        let c = Connection(socket: socket)
        do {
            let info = try c.handshake(deadline: deadline, extraEncodings: cursorEncoding.encodings)
            serverName = info.name
            serverVersion = info.version
        } catch {
            c.close()
            throw error
        }
        connection = c
        c.startReader()
        // QEMU answers SetEncodings with the current LED state right away; wait for it briefly
        // so `ledState` is usually non-nil once init returns (not an error if it never comes).
        c.waitBriefly(for: { $0.led != nil }, timeout: 2)
    }

    /// Every encoding announced in SetEncodings, in order.
    public var announcedEncodings: [Int32] {
        connection.announcedEncodings
    }

    deinit {
        connection.close()
    }

    /// Closes the connection (idempotent). Later calls throw / return stale state.
    public func close() {
        connection.close()
    }

    public var isConnected: Bool { connection.isOpen }

    /// The keyboard LED state last reported by QEMU, nil until the first report.
    public var ledState: (scroll: Bool, num: Bool, caps: Bool)? {
        guard let b = connection.read({ $0.led }) else { return nil }
        return VNCClient.decodeLED(b)
    }

    /// Current framebuffer size (follows DesktopSize / ExtendedDesktopSize messages).
    public var framebufferSize: (width: Int, height: Int) {
        connection.read { ($0.width, $0.height) }
    }

    /// Every ExtendedDesktopSize rectangle received so far, oldest first. Note QEMU answers
    /// every non-incremental FramebufferUpdateRequest with a (reason 0, status 0, current size)
    /// rectangle, so reason-0 events do not imply that the guest resized; to wait for a guest
    /// mode change use `waitForFramebufferSize`.
    public var desktopSizeEvents: [DesktopSizeEvent] {
        connection.read { $0.desktopEvents }
    }

    /// Number of FramebufferUpdate messages parsed so far.
    public var framebufferUpdateCount: Int {
        connection.read { $0.updates }
    }

    /// The cursor shape last sent by the server (Alpha Cursor or rich Cursor pseudo-encoding),
    /// nil until the first one. QEMU sends the console's current cursor right after
    /// SetEncodings (if the guest has defined one) and again whenever the guest defines a new
    /// one (virtio-gpu: every UPDATE_CURSOR; MOVE_CURSOR and positions never reach VNC clients).
    public var cursor: VNCCursor? {
        connection.read { $0.cursor }
    }

    /// Number of cursor shapes received so far (to wait for a newer one: note the count first,
    /// then `waitForCursorUpdate(after:timeout:)`).
    public var cursorUpdateCount: Int {
        connection.read { $0.cursorUpdates }
    }

    /// Waits until a cursor shape satisfying `predicate` has been received and returns it.
    /// The check runs on the latest shape whenever anything arrives; the shape is pushed by
    /// the server on its own, so no update requests are sent meanwhile.
    @discardableResult
    public func waitForCursor(timeout: TimeInterval, _ predicate: (VNCCursor) -> Bool = { _ in true }) throws -> VNCCursor {
        try connection.wait(timeout: TestSupportConfig.scaled(timeout),
                            what: "a VNC cursor shape to match",
                            pokeServer: nil,
                            describe: { s in
                                s.cursor.map { "\(s.cursorUpdates) cursor shape(s) received, last: \($0)\n\($0.asciiArt())" }
                                    ?? "no cursor shape received (announced encodings \(self.announcedEncodings))"
                            },
                            check: { s in s.cursor.flatMap { predicate($0) ? $0 : nil } })
    }

    /// Waits for a cursor shape newer than the `count`-th one (see `cursorUpdateCount`).
    @discardableResult
    public func waitForCursorUpdate(after count: Int, timeout: TimeInterval) throws -> VNCCursor {
        try connection.wait(timeout: TestSupportConfig.scaled(timeout),
                            what: "cursor shape #\(count + 1) from VNC",
                            pokeServer: nil,
                            describe: { "\($0.cursorUpdates) cursor shape(s) received" },
                            check: { s in s.cursorUpdates > count ? s.cursor : nil })
    }

    static func decodeLED(_ b: UInt8) -> (scroll: Bool, num: Bool, caps: Bool) {
        (scroll: b & 1 != 0, num: b & 2 != 0, caps: b & 4 != 0)
    }

    /// Waits until the LED state satisfies `predicate(scroll, num, caps)`, sending incremental
    /// FramebufferUpdateRequests meanwhile and parsing whatever arrives.
    @discardableResult
    public func waitForLEDState(timeout: TimeInterval,
                                _ predicate: (Bool, Bool, Bool) -> Bool) throws -> (scroll: Bool, num: Bool, caps: Bool) {
        let result = try connection.wait(timeout: TestSupportConfig.scaled(timeout),
                                         what: "VNC LED state to match",
                                         pokeServer: { try self.requestUpdate(incremental: true) },
                                         describe: { s in
                                             s.led.map { b -> String in
                                                 let l = VNCClient.decodeLED(b)
                                                 return "last LED state scroll=\(l.scroll) num=\(l.num) caps=\(l.caps)"
                                             } ?? "no LED state received"
                                         },
                                         check: { s -> UInt8? in
                                             guard let b = s.led else { return nil }
                                             let l = VNCClient.decodeLED(b)
                                             return predicate(l.scroll, l.num, l.caps) ? b : nil
                                         })
        return VNCClient.decodeLED(result)
    }

    /// Waits until the framebuffer size satisfies `predicate(width, height)`.
    @discardableResult
    public func waitForFramebufferSize(timeout: TimeInterval,
                                       _ predicate: (Int, Int) -> Bool) throws -> (width: Int, height: Int) {
        try connection.wait(timeout: TestSupportConfig.scaled(timeout),
                            what: "VNC framebuffer size to match",
                            pokeServer: { try self.requestUpdate(incremental: true) },
                            describe: { "framebuffer is \($0.width)x\($0.height)" },
                            check: { s in predicate(s.width, s.height) ? (width: s.width, height: s.height) : nil })
    }

    /// Sends SetDesktopSize (client message 251, one screen) and waits for QEMU's
    /// ExtendedDesktopSize reply (reason 1). Returns the status: 0 (done) or 4 (QEMU forwarded
    /// the request to the guest's display device; the actual resize follows as a separate
    /// ExtendedDesktopSize with reason 0 if the guest obeys). Throws `.protocolError` when the
    /// server rejects it (e.g. status 3: the display device cannot resize, as with ramfb).
    @discardableResult
    public func requestDesktopSize(width: Int, height: Int, timeout: TimeInterval = 5) throws -> Int {
        guard (1...0xFFFF).contains(width), (1...0xFFFF).contains(height) else {
            throw TestSupportError.invalidArgument("desktop size \(width)x\(height) out of range")
        }
        let before = connection.read { $0.desktopEvents.count }
        var msg: [UInt8] = [251, 0]
        msg.appendBE16(width); msg.appendBE16(height)
        msg += [1, 0]                       // number of screens, padding
        msg.appendBE32(0)                   // screen id
        msg.appendBE16(0); msg.appendBE16(0) // x, y
        msg.appendBE16(width); msg.appendBE16(height)
        msg.appendBE32(0)                   // flags
        try connection.send(msg)
        let event = try connection.wait(timeout: TestSupportConfig.scaled(timeout),
                                        what: "ExtendedDesktopSize reply to SetDesktopSize \(width)x\(height)",
                                        pokeServer: nil,
                                        describe: { "events so far: \($0.desktopEvents)" },
                                        check: { s in s.desktopEvents.dropFirst(before).first { $0.reason == 1 } })
        switch event.status {
        case 0, 4:
            return event.status
        default:
            let why = [1: "resize is administratively prohibited", 2: "out of resources",
                       3: "invalid screen layout (the display device cannot be resized)"][event.status] ?? "unknown"
            throw TestSupportError.protocolError("SetDesktopSize \(width)x\(height) rejected: status \(event.status) (\(why))")
        }
    }

    /// Sends a FramebufferUpdateRequest for the whole framebuffer.
    public func requestUpdate(incremental: Bool) throws {
        let (w, h) = framebufferSize
        var msg: [UInt8] = [3, incremental ? 1 : 0]
        msg.appendBE16(0); msg.appendBE16(0)
        msg.appendBE16(min(max(w, 1), 0xFFFF)); msg.appendBE16(min(max(h, 1), 0xFFFF))
        try connection.send(msg)
    }

    /// Requests a full (non-incremental) update and returns the framebuffer once a complete one
    /// has arrived. Note QEMU's VNC refresh timer backs off to ~3 s on an idle display, so allow
    /// several seconds.
    public func snapshot(timeout: TimeInterval = 10) throws -> PPMImage {
        let before = connection.read { $0.fullUpdates }
        try requestUpdate(incremental: false)
        return try connection.wait(timeout: TestSupportConfig.scaled(timeout),
                                   what: "a complete VNC framebuffer update",
                                   pokeServer: nil,
                                   describe: { "\($0.updates) updates received, framebuffer \($0.width)x\($0.height)" },
                                   check: { s in
                                       s.fullUpdates > before
                                           ? PPMImage(width: s.width, height: s.height, pixels: s.framebuffer) : nil
                                   })
    }

    /// RFB KeyEvent with an X11 keysym (e.g. 0x61 'a', 0xff0d Return, 0xffe5 Caps_Lock).
    public func sendKey(keysym: UInt32, down: Bool) throws {
        var msg: [UInt8] = [4, down ? 1 : 0, 0, 0]
        msg.appendBE32(keysym)
        try connection.send(msg)
    }

    /// RFB PointerEvent (buttons: bit0 left, bit1 middle, bit2 right, bit3/4 wheel).
    public func sendPointer(x: Int, y: Int, buttons: UInt8 = 0) throws {
        var msg: [UInt8] = [5, buttons]
        msg.appendBE16(max(0, min(x, 0xFFFF))); msg.appendBE16(max(0, min(y, 0xFFFF)))
        try connection.send(msg)
    }
}

// MARK: - Connection (shared with the reader thread)

extension VNCClient {
    struct State {
        var width = 0
        var height = 0
        var framebuffer: [UInt32] = []
        var led: UInt8? = nil
        var cursor: VNCCursor? = nil
        var cursorUpdates = 0
        var desktopEvents: [DesktopSizeEvent] = []
        var updates = 0
        /// Updates whose Raw rectangles covered the whole framebuffer.
        var fullUpdates = 0
        var error: String? = nil
        var closed = false
        var generation: UInt64 = 0

        mutating func resize(_ w: Int, _ h: Int) {
            if w == width && h == height && framebuffer.count == w * h { return }
            width = w
            height = h
            framebuffer = [UInt32](repeating: 0, count: w * h)
        }
    }

    final class Connection: @unchecked Sendable {
        let socket: UnixSocket
        private let condition = NSCondition()
        private var state = State()
        private let writeLock = NSLock()
        private let stop = Flag()
        private var buffer: [UInt8] = []
        private var position = 0
        /// Set once by `handshake` before the reader starts; read-only afterwards.
        private(set) var announcedEncodings: [Int32] = []

        init(socket: UnixSocket) {
            self.socket = socket
        }

        var isOpen: Bool { read { !$0.closed } }

        func read<T>(_ body: (State) -> T) -> T {
            condition.lock(); defer { condition.unlock() }
            return body(state)
        }

        private func mutate(_ body: (inout State) -> Void) {
            condition.lock()
            body(&state)
            state.generation &+= 1
            condition.broadcast()
            condition.unlock()
        }

        func close() {
            if stop.testAndSet() { return }
            socket.shutdown()
            mutate { $0.closed = true }
        }

        func send(_ bytes: [UInt8]) throws {
            writeLock.lock(); defer { writeLock.unlock() }
            if stop.isSet { throw TestSupportError.protocolError("VNC connection is closed") }
            if let error = read({ $0.error }) { throw TestSupportError.protocolError("VNC connection failed: \(error)") }
            try socket.send(bytes, deadline: Deadline(after: TestSupportConfig.scaled(5)))
        }

        /// Generic bounded wait: evaluates `check` on a state snapshot whenever something
        /// changes; calls `pokeServer` every 250 ms.
        func wait<T>(timeout: TimeInterval, what: String,
                     pokeServer: (() throws -> Void)?,
                     describe: (State) -> String,
                     check: (State) -> T?) throws -> T {
            let deadline = Deadline(after: timeout)
            var lastPoke: UInt64 = 0
            while true {
                condition.lock()
                let snapshot = state
                condition.unlock()
                if let result = check(snapshot) { return result }
                if let error = snapshot.error {
                    throw TestSupportError.protocolError("VNC connection failed while waiting for \(what): \(error)")
                }
                if snapshot.closed {
                    throw TestSupportError.protocolError("VNC connection closed while waiting for \(what)")
                }
                if deadline.hasPassed {
                    throw TestSupportError.timeout("waiting for \(what) (\(String(format: "%.1f", timeout)) s); \(describe(snapshot))")
                }
                if let poke = pokeServer, Deadline.now() - lastPoke > 250_000_000 {
                    lastPoke = Deadline.now()
                    try poke()
                }
                condition.lock()
                if state.generation == snapshot.generation {
                    _ = condition.wait(until: deadline.date(cap: 0.25))
                }
                condition.unlock()
            }
        }

        func waitBriefly(for predicate: (State) -> Bool, timeout: TimeInterval) {
            let deadline = Deadline(after: timeout)
            condition.lock(); defer { condition.unlock() }
            while !predicate(state) && !state.closed && state.error == nil && !deadline.hasPassed {
                _ = condition.wait(until: deadline.date())
            }
        }

        // MARK: reading

        private struct Stopped: Error {}

        private func fill(_ n: Int, deadline: Deadline?) throws {
            while buffer.count - position < n {
                if position > 0 && (position >= 1 << 20 || position == buffer.count) {
                    buffer.removeSubrange(0..<position)
                    position = 0
                }
                let want = min(max(65536, n - (buffer.count - position)), 4 << 20)
                let d = deadline ?? Deadline(after: 1e6)
                switch try socket.receive(max: want, deadline: d, shouldStop: { stop.isSet }) {
                case .data(let bytes):
                    buffer.append(contentsOf: bytes)
                case .eof:
                    if stop.isSet { throw Stopped() }
                    throw TestSupportError.protocolError("VNC server closed the connection")
                case .wouldBlock:
                    if stop.isSet { throw Stopped() }
                    if let d = deadline, d.hasPassed {
                        throw TestSupportError.timeout("VNC server did not send \(n) bytes in time")
                    }
                }
            }
        }

        private func bytes(_ n: Int, _ deadline: Deadline? = nil) throws -> ArraySlice<UInt8> {
            try fill(n, deadline: deadline)
            let s = buffer[position..<(position + n)]
            position += n
            return s
        }

        private func u8(_ d: Deadline? = nil) throws -> UInt8 { try bytes(1, d).first! }

        private func u16(_ d: Deadline? = nil) throws -> Int {
            let b = try bytes(2, d)
            return Int(b[b.startIndex]) << 8 | Int(b[b.startIndex + 1])
        }

        private func u32(_ d: Deadline? = nil) throws -> UInt32 {
            let b = try bytes(4, d)
            let i = b.startIndex
            return UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
        }

        private func s32(_ d: Deadline? = nil) throws -> Int32 { Int32(bitPattern: try u32(d)) }

        private func reasonString(_ d: Deadline) throws -> String {
            let len = Int(try u32(d))
            guard len < 1 << 16 else { return "(reason too long)" }
            return String(decoding: try bytes(len, d), as: UTF8.self)
        }

        // MARK: handshake

        func handshake(deadline d: Deadline, extraEncodings: [Int32] = []) throws -> (version: String, name: String) {
            let versionBytes = try bytes(12, d)
            let version = String(decoding: versionBytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard version.hasPrefix("RFB "), let dot = version.firstIndex(of: "."),
                  let major = Int(version[version.index(version.startIndex, offsetBy: 4)..<dot]),
                  let minor = Int(version[version.index(after: dot)...]), major == 3 else {
                throw TestSupportError.protocolError("unexpected RFB version string \(version.debugDescription)")
            }
            let useMinor = minor >= 8 ? 8 : (minor == 7 ? 7 : 3)
            try socket.send(Array("RFB 003.00\(useMinor)\n".utf8), deadline: d)

            if useMinor >= 7 {
                let count = Int(try u8(d))
                if count == 0 {
                    throw TestSupportError.protocolError("VNC server refused the connection: \(try reasonString(d))")
                }
                let types = Array(try bytes(count, d))
                guard types.contains(1) else {
                    throw TestSupportError.protocolError("VNC server requires authentication (security types \(types)); only None (1) is supported")
                }
                try socket.send([1], deadline: d)
                if useMinor == 8 {
                    let result = try u32(d)
                    if result != 0 {
                        throw TestSupportError.protocolError("VNC security handshake failed: \(try reasonString(d))")
                    }
                }
            } else {
                let type = try u32(d)
                if type == 0 {
                    throw TestSupportError.protocolError("VNC server refused the connection: \(try reasonString(d))")
                }
                guard type == 1 else {
                    throw TestSupportError.protocolError("VNC server requires security type \(type); only None (1) is supported")
                }
            }
            try socket.send([1], deadline: d)                  // ClientInit: shared

            let width = try u16(d)
            let height = try u16(d)
            _ = try bytes(16, d)                               // server pixel format (replaced below)
            let nameLength = Int(try u32(d))
            guard nameLength < 1 << 16 else { throw TestSupportError.protocolError("absurd VNC desktop name length \(nameLength)") }
            let name = String(decoding: try bytes(nameLength, d), as: UTF8.self)
            mutate { $0.resize(width, height) }

            // SetPixelFormat: 32 bpp, depth 24, little-endian, true colour, 8 bits each,
            // red<<16 green<<8 blue<<0: bytes arrive as B, G, R, X.
            var setPF: [UInt8] = [0, 0, 0, 0, 32, 24, 0, 1]
            setPF.appendBE16(255); setPF.appendBE16(255); setPF.appendBE16(255)
            setPF += [16, 8, 0, 0, 0, 0]
            // SetEncodings.
            let encodings: [Int32] = [0, -223, -308, -261] + extraEncodings
            announcedEncodings = encodings
            var setEnc: [UInt8] = [2, 0]
            setEnc.appendBE16(encodings.count)
            for e in encodings { setEnc.appendBE32(UInt32(bitPattern: e)) }
            // FramebufferUpdateRequest, full.
            var request: [UInt8] = [3, 0]
            request.appendBE16(0); request.appendBE16(0)
            request.appendBE16(max(width, 1)); request.appendBE16(max(height, 1))
            try socket.send(setPF + setEnc + request, deadline: d)
            return (version, name)
        }

        // MARK: reader thread

        func startReader() {
            let thread = Thread { [self] in self.readLoop() }
            thread.name = "lumen-vnc-reader"
            thread.start()
        }

        private func readLoop() {
            do {
                while true {
                    let type = try u8()
                    switch type {
                    case 0:
                        try readFramebufferUpdate()
                    case 1:                                     // SetColourMapEntries
                        _ = try u8()
                        _ = try u16()
                        let n = try u16()
                        _ = try bytes(n * 6)
                    case 2:                                     // Bell
                        break
                    case 3:                                     // ServerCutText
                        _ = try bytes(3)
                        let len = Int(Int32(bitPattern: try u32()).magnitude)
                        _ = try bytes(len)
                    default:
                        throw TestSupportError.protocolError("unexpected VNC server message type \(type)")
                    }
                }
            } catch is Stopped {
                // close() was called.
            } catch {
                let message = (error as? TestSupportError)?.message ?? "\(error)"
                mutate { if !self.stop.isSet { $0.error = message } }
            }
            mutate { $0.closed = true }
        }

        private func readFramebufferUpdate() throws {
            _ = try u8()
            let count = try u16()
            var rawArea = 0
            // Cursor shapes and the LED state are published with the message's
            // count, in one step: a test that waits for a cursor then reads
            // `framebufferUpdateCount` must see the message that brought it.
            var cursors: [VNCCursor] = []
            var led: UInt8? = nil
            var index = 0
            while index < count {
                index += 1
                let x = try u16(), y = try u16(), w = try u16(), h = try u16()
                let encoding = try s32()
                switch encoding {
                case 0:                                         // Raw
                    guard w * h <= 1 << 25 else { throw TestSupportError.protocolError("absurd raw rect \(w)x\(h)") }
                    let data = try bytes(w * h * 4)
                    rawArea += w * h
                    condition.lock()
                    Connection.blit(data, x: x, y: y, w: w, h: h, into: &state)
                    condition.unlock()
                case -223:                                      // DesktopSize
                    mutate { $0.resize(w, h) }
                case -308:                                      // ExtendedDesktopSize
                    let screens = Int(try u8())
                    _ = try bytes(3)
                    _ = try bytes(screens * 16)
                    let event = DesktopSizeEvent(reason: x, status: y, width: w, height: h)
                    mutate { s in
                        s.desktopEvents.append(event)
                        if event.status == 0 { s.resize(w, h) }
                    }
                case -261:                                      // QEMU LED state
                    led = try u8()
                case VNCCursor.Source.alphaCursor.rawValue:     // Alpha Cursor: x,y = hot spot
                    let inner = try s32()
                    guard inner == 0 else {
                        throw TestSupportError.protocolError("alpha cursor \(w)x\(h) in encoding \(inner); only raw (0) is supported")
                    }
                    guard w <= 1024, h <= 1024 else { throw TestSupportError.protocolError("absurd cursor size \(w)x\(h)") }
                    cursors.append(VNCCursor(alphaCursorData: Array(try bytes(w * h * 4)),
                                             width: w, height: h, hotX: x, hotY: y))
                case VNCCursor.Source.richCursor.rawValue:      // Cursor: x,y = hot spot
                    guard w <= 1024, h <= 1024 else { throw TestSupportError.protocolError("absurd cursor size \(w)x\(h)") }
                    let pixels = Array(try bytes(w * h * 4))    // our SetPixelFormat: 32 bpp
                    let mask = Array(try bytes((w + 7) / 8 * h))
                    cursors.append(VNCCursor(richCursorPixels: pixels, mask: mask, width: w, height: h, hotX: x, hotY: y))
                case -258, -257:                                // QEMU ext key ack / pointer type change
                    break
                case -224:                                      // LastRect
                    index = count
                default:
                    throw TestSupportError.protocolError("unsupported VNC rectangle encoding \(encoding)")
                }
            }
            mutate { s in
                if let led { s.led = led }
                if let last = cursors.last {
                    s.cursor = last
                    s.cursorUpdates += cursors.count
                }
                s.updates += 1
                if rawArea > 0 && rawArea >= s.width * s.height { s.fullUpdates += 1 }
            }
        }

        private static func blit(_ data: ArraySlice<UInt8>, x: Int, y: Int, w: Int, h: Int, into s: inout State) {
            let width = s.width, height = s.height
            if x >= width || y >= height { return }
            let cols = min(w, width - x), rows = min(h, height - y)
            s.framebuffer.withUnsafeMutableBufferPointer { fb in
                data.withUnsafeBufferPointer { src in
                    for row in 0..<rows {
                        var o = row * w * 4
                        var d = (y + row) * width + x
                        for _ in 0..<cols {
                            fb[d] = UInt32(src[o + 2]) << 16 | UInt32(src[o + 1]) << 8 | UInt32(src[o])
                            o += 4
                            d += 1
                        }
                    }
                }
            }
        }
    }
}

extension Array where Element == UInt8 {
    mutating func appendBE16(_ v: Int) {
        append(UInt8((v >> 8) & 0xFF)); append(UInt8(v & 0xFF))
    }

    mutating func appendBE32(_ v: UInt32) {
        append(UInt8((v >> 24) & 0xFF)); append(UInt8((v >> 16) & 0xFF))
        append(UInt8((v >> 8) & 0xFF)); append(UInt8(v & 0xFF))
    }
}

// MARK: - Cursor

/// A cursor shape received over VNC.
///
/// What QEMU 7.2 sends (ui/vnc.c `vnc_cursor_define`, called from `set_encodings` for the
/// current cursor and from `vnc_dpy_cursor_define` for each new one; one rectangle per
/// FramebufferUpdate):
/// - Alpha Cursor (-314, `VNC_ENCODING_ALPHA_CURSOR` 0xFFFFFEC6), preferred whenever the client
///   announced it: rectangle x,y = hot spot, w,h = size, then an s32 encoding (always 0, raw)
///   and w*h*4 bytes: the `QEMUCursor` words (0xAARRGGBB, host-endian, i.e. bytes B,G,R,A on
///   x86/arm hosts) copied unchanged, so alpha is straight in QEMU 7.2 (QEMU 10 premultiplies
///   colour by alpha before sending). For virtio-gpu these are the guest's 64×64 cursor
///   resource pixels (B8G8R8A8 = pixman a8r8g8b8) as transferred.
/// - Cursor (-239, "rich cursor"): x,y = hot spot, w,h = size, then w*h pixels in the client
///   pixel format (ours: 32 bpp little-endian, bytes B,G,R,0; colour only, alpha is dropped)
///   and a bitmask of floor((w+7)/8)*h bytes, rows top first, most significant bit = leftmost
///   pixel, bit set = visible. QEMU sets the bit exactly for pixels whose alpha is 0xff
///   (ui/cursor.c `cursor_get_mono_mask`), so partial transparency becomes invisible.
public struct VNCCursor: Sendable, Equatable, CustomStringConvertible {
    /// The pseudo-encoding that delivered the shape (its RFB encoding number).
    public enum Source: Int32, Sendable {
        case alphaCursor = -314
        case richCursor = -239
    }

    public let width: Int
    public let height: Int
    public let hotX: Int
    public let hotY: Int
    /// Row-major 0xAARRGGBB. Alpha Cursor: exactly the words sent. Rich cursor: the colour as
    /// sent, with alpha 0xff where the mask bit is set and 0x00 where it is clear.
    public let pixels: [UInt32]
    public let source: Source

    public init(width: Int, height: Int, hotX: Int, hotY: Int, pixels: [UInt32], source: Source) {
        precondition(pixels.count == width * height, "cursor pixel count \(pixels.count) != \(width)x\(height)")
        self.width = width
        self.height = height
        self.hotX = hotX
        self.hotY = hotY
        self.pixels = pixels
        self.source = source
    }

    /// Decodes an Alpha Cursor payload (after the inner raw encoding): little-endian
    /// 0xAARRGGBB words, as QEMU writes them on a little-endian host.
    public init(alphaCursorData data: [UInt8], width: Int, height: Int, hotX: Int, hotY: Int) {
        precondition(data.count == width * height * 4)
        var pixels = [UInt32](repeating: 0, count: width * height)
        for i in 0..<pixels.count {
            let o = i * 4
            pixels[i] = UInt32(data[o]) | UInt32(data[o + 1]) << 8 | UInt32(data[o + 2]) << 16 | UInt32(data[o + 3]) << 24
        }
        self.init(width: width, height: height, hotX: hotX, hotY: hotY, pixels: pixels, source: .alphaCursor)
    }

    /// Decodes a rich Cursor payload in this client's pixel format (32 bpp little-endian,
    /// red<<16 green<<8 blue<<0) plus its bitmask; the mask becomes the alpha byte.
    public init(richCursorPixels data: [UInt8], mask: [UInt8], width: Int, height: Int, hotX: Int, hotY: Int) {
        let rowBytes = (width + 7) / 8
        precondition(data.count == width * height * 4 && mask.count == rowBytes * height)
        var pixels = [UInt32](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                let i = y * width + x, o = i * 4
                let rgb = UInt32(data[o + 2]) << 16 | UInt32(data[o + 1]) << 8 | UInt32(data[o])
                let visible = mask[y * rowBytes + x / 8] & (0x80 >> UInt8(x % 8)) != 0
                pixels[i] = (visible ? 0xff00_0000 : 0) | rgb
            }
        }
        self.init(width: width, height: height, hotX: hotX, hotY: hotY, pixels: pixels, source: .richCursor)
    }

    /// The 0xAARRGGBB pixel at (x, y); nil outside the shape.
    public func pixel(x: Int, y: Int) -> UInt32? {
        guard x >= 0, y >= 0, x < width, y < height else { return nil }
        return pixels[y * width + x]
    }

    /// The alpha byte at (x, y) (0 = transparent, 0xff = opaque); nil outside the shape.
    public func alpha(x: Int, y: Int) -> UInt8? {
        pixel(x: x, y: y).map { UInt8($0 >> 24) }
    }

    /// The smallest rectangle holding every pixel with non-zero alpha (nil if none).
    public var visibleBounds: (x: Int, y: Int, width: Int, height: Int)? {
        var minX = Int.max, minY = Int.max, maxX = -1, maxY = -1
        for y in 0..<height {
            for x in 0..<width where pixels[y * width + x] >> 24 != 0 {
                minX = min(minX, x); maxX = max(maxX, x)
                minY = min(minY, y); maxY = max(maxY, y)
            }
        }
        guard maxX >= 0 else { return nil }
        return (minX, minY, maxX - minX + 1, maxY - minY + 1)
    }

    /// A text picture for failure messages, one line per row from the top-left corner to the
    /// visible bounds: ' ' transparent, '#' opaque dark, 'o' opaque light, '+' partly transparent.
    public func asciiArt() -> String {
        guard let b = visibleBounds else { return "(fully transparent)" }
        var lines: [String] = []
        for y in 0..<(b.y + b.height) {
            var line = ""
            for x in 0..<(b.x + b.width) {
                let p = pixels[y * width + x]
                let a = p >> 24
                if a == 0 {
                    line.append(" ")
                } else if a != 0xff {
                    line.append("+")
                } else {
                    let luma = (p >> 16 & 0xff) * 3 + (p >> 8 & 0xff) * 6 + (p & 0xff)
                    line.append(luma < 128 * 10 ? "#" : "o")
                }
            }
            while line.hasSuffix(" ") { line.removeLast() }
            lines.append("|" + line)
        }
        return lines.joined(separator: "\n")
    }

    public var description: String {
        let opaque = pixels.filter { $0 >> 24 == 0xff }.count
        let partial = pixels.filter { $0 >> 24 != 0xff && $0 >> 24 != 0 }.count
        let how = source == .alphaCursor ? "alpha cursor" : "rich cursor"
        return "\(width)x\(height) cursor, hot spot (\(hotX),\(hotY)), via \(how): \(opaque) opaque, \(partial) partly transparent pixels"
    }
}
