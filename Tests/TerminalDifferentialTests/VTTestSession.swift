#if canImport(Glibc)
import Glibc
#endif
import Terminal
import TerminalReference

/// Runs Debian's `vttest` under a pseudo-terminal and records what it writes,
/// screen by screen: Lumen answers its queries (DA, CPR, ...), scripted
/// keypresses walk through its menus, and every time vttest waits for a key
/// the bytes so far make one "screen". Recording at test time keeps vttest's
/// output (third-party, and large) out of the repository.
final class VTTestSession {
    struct Screen {
        /// Where in the walk this was: menu keys so far and the screen's number.
        var label: String
        /// All bytes vttest wrote since the previous screen.
        var bytes: [UInt8]
    }

    static let executable = "/usr/bin/vttest"
    static var isAvailable: Bool { access(executable, X_OK) == 0 }

    private let master: Int32
    private let child: pid_t
    /// Answers vttest's queries; fed everything vttest writes.
    let answerer: Terminal
    /// Called with each screen as it is recorded (for diagnosing a walk).
    var trace: ((Screen) -> Void)?

    init?(rows: Int = 24, columns: Int = 80) {
        answerer = Terminal(columns: columns, rows: rows)
        // vttest takes the geometry as an argument ("24x80.80": 24 rows, 80
        // columns, 80 at most, so the 132-column tests are skipped: Lumen has
        // no DECCOLM).
        let arguments = [VTTestSession.executable, "\(rows)x\(columns).\(columns)"]
        let environment = ["TERM=vt100", "PATH=/usr/bin:/bin", "LANG=C.UTF-8"]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var master: Int32 = -1
        let pid = reference_spawn_in_pty(VTTestSession.executable, &argv, &envp, Int32(rows), Int32(columns), &master)
        guard pid > 0 else { return nil }
        self.master = master
        child = pid
    }

    deinit {
        kill(child, SIGKILL)
        var status: Int32 = 0
        waitpid(child, &status, 0)
        close(master)
    }

    private func send(_ text: String) {
        send(Array(text.utf8))
    }

    private func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBufferPointer { write(master, $0.baseAddress, $0.count) }
            if written <= 0 { return }
            offset += written
        }
    }

    /// Reads until vttest waits for a key: a prompt appeared and nothing more
    /// came for a moment, or nothing came for a long moment. Answers queries
    /// as they arrive. Returns the bytes and whether the child is gone.
    private func readScreen(settle: Int32 = 100, patience: Int32 = 3000,
                            limit: Int = 4 << 20) -> (bytes: [UInt8], ended: Bool) {
        var collected: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        var sawPrompt = false
        while collected.count < limit {
            var descriptor = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, sawPrompt ? settle : patience)
            if ready <= 0 { return (collected, false) }
            let count = buffer.withUnsafeMutableBufferPointer { read(master, $0.baseAddress, $0.count) }
            if count <= 0 { return (collected, true) }
            let chunk = Array(buffer[0 ..< count])
            collected += chunk
            answerer.feed(chunk)
            let answer = answerer.takeResponses()
            if !answer.isEmpty { send(answer) }
            let prompt = VTTestSession.endsWithPrompt(collected)
            sawPrompt = prompt.push || prompt.menu
        }
        return (collected, false)
    }

    static let pushReturn = "Push <RETURN>"
    static let menuPrompt = "Enter choice number"

    /// True when vttest now waits for a key: the bytes end with one of its prompts.
    static func endsWithPrompt(_ bytes: [UInt8]) -> (push: Bool, menu: Bool) {
        var tail = String(decoding: bytes.suffix(120), as: UTF8.self)
        while tail.last == " " { tail.removeLast() }
        let push = tail.hasSuffix(pushReturn)
        let menu = tail.hasSuffix("):") && tail.contains(menuPrompt)
        return (push, menu)
    }

    /// Walks vttest's menus. Each path is the keys to type at successive menu
    /// prompts, starting at the main menu and ending back there (e.g. ["1"], or
    /// ["3", "8", "9", "0"]: menu 3, its tests 8 and 9, then 0 to leave it);
    /// "Push <RETURN>" screens in between get RETURN. Returns every screen, the
    /// start-up one first, and the problems met (a path that stalled or did
    /// not end at the main menu).
    func record(paths: [[String]], maximumScreens: Int = 80) -> (screens: [Screen], problems: [String]) {
        var screens: [Screen] = []
        var problems: [String] = []
        let start = readScreen()
        screens.append(Screen(label: "main menu", bytes: start.bytes))
        for path in paths {
            var pending = path
            var typed: [String] = []
            var number = 0
            var stalls = 0
            while number < maximumScreens {
                let prompt = VTTestSession.endsWithPrompt(screens.last!.bytes)
                if number == 0 || prompt.menu {
                    guard !pending.isEmpty else { break }
                    typed.append(pending.removeFirst())
                    send(typed.last! + "\r")
                } else {
                    send("\r")
                }
                let screen = readScreen()
                number += 1
                screens.append(Screen(label: "menu \(typed.joined(separator: "/")) screen \(number)", bytes: screen.bytes))
                trace?(screens.last!)
                if screen.ended {
                    problems.append("vttest exited during path \(path)")
                    return (screens, problems)
                }
                let now = VTTestSession.endsWithPrompt(screen.bytes)
                stalls = now.push || now.menu ? 0 : stalls + 1
                if stalls >= 3 {
                    problems.append("vttest stopped prompting during path \(path) at \(screens.last!.label)")
                    return (screens, problems)
                }
            }
            let tail = String(decoding: screens.last!.bytes.suffix(60), as: UTF8.self)
            if !tail.contains("(0 - 12)") {
                problems.append("path \(path) did not end at the main menu (\(screens.last!.label))")
                return (screens, problems)
            }
        }
        return (screens, problems)
    }
}

/// Feeds vttest's bytes to Lumen as they are and to libvterm translated where
/// libvterm is known to differ from xterm, so the screens can be compared
/// exactly everywhere else (the "how" of D5, D6, D7, D8, D14, D19 and D23 in
/// DifferentialTests.swift). Works one token (a text run, a control, or a
/// whole escape sequence) at a time, looking at Lumen's state around it.
enum ReferenceTranslator {
    /// Splits `bytes` into tokens: a run of printable bytes, one control, or
    /// one escape sequence (ESC ..., CSI ... final, OSC/DCS/SOS/PM/APC ... ST or
    /// BEL). Controls inside a CSI stay in its token.
    static func tokens(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var tokens: [ArraySlice<UInt8>] = []
        var index = 0
        while index < bytes.count {
            let start = index
            let byte = bytes[index]
            if byte == 0x1B && index + 1 < bytes.count {
                let kind = bytes[index + 1]
                index += 2
                switch kind {
                case UInt8(ascii: "["):
                    while index < bytes.count && !(0x40 ... 0x7E).contains(bytes[index]) { index += 1 }
                    index = min(index + 1, bytes.count)
                case UInt8(ascii: "]"), UInt8(ascii: "P"), UInt8(ascii: "X"), UInt8(ascii: "^"), UInt8(ascii: "_"):
                    while index < bytes.count && bytes[index] != 0x07
                        && !(bytes[index] == 0x1B && index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\\")) {
                        index += 1
                    }
                    index = min(index + (index < bytes.count && bytes[index] == 0x07 ? 1 : 2), bytes.count)
                default:
                    // Intermediates then a final byte.
                    var position = index - 1
                    while position < bytes.count && (0x20 ... 0x2F).contains(bytes[position]) { position += 1 }
                    index = min(position + 1, bytes.count)
                }
            } else if byte < 0x20 || byte == 0x7F {
                index += 1
            } else {
                while index < bytes.count && bytes[index] >= 0x20 && bytes[index] != 0x7F { index += 1 }
            }
            tokens.append(bytes[start ..< index])
        }
        return tokens
    }

    /// The parameters and final byte of a clean CSI token (no controls inside),
    /// with its private marker; nil for anything else.
    static func csi(_ token: ArraySlice<UInt8>) -> (marker: UInt8?, parameters: [Int], final: UInt8)? {
        guard token.count >= 3, token.first == 0x1B, token[token.startIndex + 1] == UInt8(ascii: "[") else { return nil }
        var body = Array(token.dropFirst(2).dropLast())
        let final = token.last!
        var marker: UInt8?
        if let first = body.first, (0x3C ... 0x3F).contains(first) {
            marker = first
            body.removeFirst()
        }
        guard body.allSatisfy({ $0 == UInt8(ascii: ";") || (0x30 ... 0x39).contains($0) }) else { return nil }
        let parameters = String(decoding: body, as: UTF8.self).split(separator: ";", omittingEmptySubsequences: false)
            .map { Int($0) ?? 0 }
        return (marker, body.isEmpty ? [] : parameters, final)
    }

    /// Feeds one token to both.
    static func feed(_ token: ArraySlice<UInt8>, to pair: DifferentialPair) {
        let lumen = pair.lumen
        let wasPending = lumen.cursorState.pendingWrap
        lumen.feed(Array(token))
        pair.reference.feed(translate(token, wasPending: wasPending, lumen: lumen))
    }

    private static func translate(_ token: ArraySlice<UInt8>, wasPending: Bool, lumen: Terminal) -> [UInt8] {
        let bytes = Array(token)
        // D19: no double-size lines.
        if bytes.count == 3 && bytes[0] == 0x1B && bytes[1] == UInt8(ascii: "#")
            && (UInt8(ascii: "3") ... UInt8(ascii: "6")).contains(bytes[2]) {
            return []
        }
        // D23: DECALN with default rendition, margins reset, cursor home.
        if bytes == [0x1B, UInt8(ascii: "#"), UInt8(ascii: "8")] {
            return Array("\u{1B}7\u{1B}[m\u{1B}#8\u{1B}8\u{1B}[r".utf8)
        }
        // D14: RI, or LF, VT, FF, with a wrap pending.
        if wasPending && (bytes == [0x1B, UInt8(ascii: "M")] || bytes == [0x0A] || bytes == [0x0B] || bytes == [0x0C]) {
            return bytes + placeCursor(lumen)
        }
        guard let sequence = csi(token) else { return bytes }
        let (marker, parameters, final) = sequence
        let first = parameters.first ?? 0
        if marker == UInt8(ascii: "?") {
            // D6: ?47 as ?1047.
            if parameters == [47] && (final == UInt8(ascii: "h") || final == UInt8(ascii: "l")) {
                return Array("\u{1B}[?1047\(Character(UnicodeScalar(final)))".utf8)
            }
            // D14: DECAWM reset with a wrap pending.
            if wasPending && parameters.contains(7) && final == UInt8(ascii: "l") { return bytes + placeCursor(lumen) }
            return bytes
        }
        guard marker == nil else { return bytes }
        switch final {
        case UInt8(ascii: "r"):
            // D5: no region with top >= bottom.
            let top = max(first, 1)
            let bottomField = parameters.count > 1 ? parameters[1] : 0
            let bottom = bottomField == 0 ? lumen.rows : min(bottomField, lumen.rows)
            return parameters.count <= 2 && top >= bottom ? [] : bytes
        case UInt8(ascii: "A"), UInt8(ascii: "B"), UInt8(ascii: "E"), UInt8(ascii: "F"), UInt8(ascii: "e"),
             UInt8(ascii: "L"), UInt8(ascii: "M"):
            // D7 (vertical moves stop at the margins), D8 (IL and DL go to
            // the first column): put libvterm's cursor where Lumen's is.
            return bytes + placeCursor(lumen)
        case UInt8(ascii: "J"), UInt8(ascii: "K"), UInt8(ascii: "X"), UInt8(ascii: "@"), UInt8(ascii: "P"):
            // D14: these clear a pending wrap.
            return wasPending ? bytes + placeCursor(lumen) : bytes
        default:
            return bytes
        }
    }

    /// BS (which cancels libvterm's pending wrap) then CUP to Lumen's cursor,
    /// relative to the region under origin mode.
    private static func placeCursor(_ lumen: Terminal) -> [UInt8] {
        let cursor = lumen.cursorState
        let row = cursor.row - (lumen.modes.originMode ? lumen.scrollRegion.lowerBound : 0)
        return Array("\u{8}\u{1B}[\(row + 1);\(cursor.column + 1)H".utf8)
    }
}
