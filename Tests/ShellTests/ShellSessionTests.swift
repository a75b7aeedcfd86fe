import XCTest
@testable import Shell

final class ShellSessionTests: XCTestCase {
    private func makeSession(_ environment: FakeEnvironment) -> ShellSession<FakeEnvironment> {
        let shell = Shell.create(environment: environment, commands: FakeEnvironment.testCommands())
        let session = ShellSession.create(shell: shell, prompt: "lumen> ", columns: 80)
        session.start()
        return session
    }

    func testTypedLinesRunAndThePromptReturns() {
        let environment = FakeEnvironment()
        let session = makeSession(environment)
        XCTAssertEqual(environment.screen.currentRow, "lumen> ")
        session.feed(Array("echo hi | upper\r".utf8))
        XCTAssertEqual(environment.screen.lines, ["lumen> echo hi | upper", "HI", "lumen>"])
        XCTAssertEqual(environment.screen.currentRow, "lumen> ")
        session.feed(Array("nope\r\n".utf8))
        XCTAssertEqual(environment.screen.lines.suffix(3), ["lumen> nope", "nope: command not found", "lumen>"])
        XCTAssertEqual(session.shell.lastStatus, 127)
    }

    func testOutputWithoutANewlineStillGetsAPromptOfItsOwn() {
        let environment = FakeEnvironment()
        let session = makeSession(environment)
        session.feed(Array("echo -n hi\r".utf8))
        XCTAssertEqual(environment.screen.lines, ["lumen> echo -n hi", "hi", "lumen>"])
    }

    func testControlCAtThePromptCancelsTheLine() {
        let environment = FakeEnvironment()
        let session = makeSession(environment)
        session.feed(Array("echo never\u{3}".utf8))
        XCTAssertEqual(environment.screen.lines, ["lumen> echo never^C", "lumen>"])
        XCTAssertEqual(session.shell.lastStatus, 130)
        session.feed(Array("echo $?\r".utf8))
        XCTAssertEqual(environment.screen.lines.suffix(2), ["130", "lumen>"])
    }

    func testHistoryIsSavedThroughTheEnvironmentAndRecalled() {
        let environment = FakeEnvironment()
        let session = makeSession(environment)
        session.feed(Array("echo one\recho two\r\r".utf8))
        XCTAssertEqual(environment.savedHistory.map { String(decoding: $0, as: UTF8.self) }, "echo one\necho two\n")
        // A new session (after a reboot) loads the file and Up recalls its entries.
        let next = FakeEnvironment()
        let restored = makeSession(next)
        restored.loadHistory(environment.savedHistory ?? [])
        restored.feed(Array("\u{1b}[A\u{1b}[A\r".utf8))
        XCTAssertEqual(next.screen.lines, ["lumen> echo one", "one", "lumen>"])
    }

    func testThePromptCanShowTheCurrentDirectory() {
        let environment = FakeEnvironment()
        environment.directories = ["/", "/docs"]
        let session = makeSession(environment)
        session.makePrompt = { $0 + " $ " }
        session.feed(Array("cd docs\r".utf8))
        XCTAssertEqual(environment.screen.currentRow, "/docs $ ")
        XCTAssertEqual(session.editor.prompt, "/docs $ ")
    }

    func testInputArrivingWhileACommandRunsIsTypedAhead() {
        let environment = FakeEnvironment()
        let session = makeSession(environment)
        environment.onPoll = { session.feed(Array("echo later\r".utf8)) }
        session.feed(Array("poll; echo now\r".utf8))
        XCTAssertTrue(session.isRunningCommand == false)
        XCTAssertEqual(environment.screen.lines, ["lumen> poll; echo now", "now", "lumen> echo later", "later", "lumen>"])
    }

    /// Regression: the bytes after a command's Enter in the same chunk were
    /// typed after the bytes that arrived while the command ran ("vers" of a
    /// burst of "version" lines ended up behind "ion").
    func testBytesAfterEnterInTheSameChunkComeBeforeThoseTypedDuringTheCommand() {
        let environment = FakeEnvironment()
        let session = makeSession(environment)
        var polled = false
        environment.onPoll = {
            guard !polled else { return }
            polled = true
            session.feed(Array("ond\r".utf8))
        }
        session.feed(Array("poll\recho sec".utf8))
        XCTAssertEqual(environment.screen.lines, ["lumen> poll", "lumen> echo second", "second", "lumen>"])
    }

    func testControlCWhileACommandRunsInterruptsIt() {
        let environment = FakeEnvironment()
        let session = makeSession(environment)
        environment.onPoll = { session.feed(Array("typed\u{3}".utf8)) }
        session.feed(Array("poll; echo skipped\r".utf8))
        XCTAssertEqual(environment.screen.lines, ["lumen> poll; echo skipped", "^C", "lumen>"])
        XCTAssertEqual(session.shell.lastStatus, 130)
        XCTAssertEqual(session.editor.text, "", "typeahead before Ctrl-C is dropped")
    }

    /// The kernel sees Ctrl-C on another thread while the command's thread
    /// waits, and calls `interruptCommand`: the command stops, and the lines
    /// typed ahead of it in the same chunk are dropped too (they used to run).
    func testInterruptFromOutsideDropsTheRestOfTheChunk() {
        let environment = FakeEnvironment()
        let session = makeSession(environment)
        environment.onPoll = { session.interruptCommand() }
        session.feed(Array("poll\recho typed-ahead\r".utf8))
        XCTAssertEqual(environment.screen.lines, ["lumen> poll", "^C", "lumen>"])
        XCTAssertEqual(session.shell.lastStatus, 130)
        session.interruptCommand()  // no command running: nothing happens
        session.feed(Array("echo after\r".utf8))
        XCTAssertEqual(environment.screen.lines.suffix(2), ["after", "lumen>"])
    }

    func testTheFirstByteStartsASessionThatWasNotStarted() {
        let environment = FakeEnvironment()
        let session = ShellSession.create(shell: Shell.create(environment: environment), prompt: "% ")
        session.feed(Array("pwd\r".utf8))
        XCTAssertEqual(environment.screen.lines, ["% pwd", "/", "%"])
    }

    /// Thousands of random byte strings, rich in escape sequences, controls and
    /// UTF-8 fragments: the session never traps and the editor stays consistent.
    func testRandomInputNeverBreaksTheSession() {
        let environment = FakeEnvironment()
        environment.files["/s"] = Array("echo $?\nrun /s\n".utf8)
        let session = makeSession(environment)
        session.columns = 30
        session.editor.maximumLength = 200
        var random = SplitMix64(seed: 2024)
        let interesting: [UInt8] = [0x1b, 0x5b, 0x4f, 0x31, 0x33, 0x34, 0x3b, 0x35, 0x7e, 0x41, 0x42, 0x43, 0x44, 0x48,
                                    0x46, 0x7f, 0x08, 0x09, 0x0d, 0x0a, 0x03, 0x04, 0x0b, 0x0c, 0x15, 0x17, 0x19, 0x14,
                                    0x01, 0x05, 0x02, 0x06, 0x10, 0x0e, 0x20, 0x7c, 0x3e, 0x27, 0x22, 0x5c,
                                    0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9d, 0x84, 0x9e, 0x80, 0xff, 0x32, 0x30]
        for _ in 0..<4000 {
            let length = Int(random.next() % 40)
            var bytes: [UInt8] = []
            for _ in 0..<length {
                let roll = random.next()
                if roll % 3 == 0 {
                    bytes.append(UInt8(truncatingIfNeeded: roll >> 8))
                } else if roll % 3 == 1 {
                    bytes.append(interesting[Int((roll >> 8) % UInt64(interesting.count))])
                } else {
                    bytes.append(UInt8(0x61 + (roll >> 8) % 26))
                }
            }
            session.feed(bytes)
            let editor = session.editor
            XCTAssertTrue(editor.cursor >= 0 && editor.cursor <= editor.line.count, "cursor within the line")
            XCTAssertTrue(editor.line.count <= 200, "line within its limit")
            XCTAssertTrue(editor.line.allSatisfy { $0.value >= 0x20 && $0.value != 0x7f }, "no controls in the line")
            environment.terminal.removeAll(keepingCapacity: true)
        }
        // Whatever state it was left in (even mid-paste), the session still works.
        session.feed(Array("\u{1b}[201~\u{3}echo alive\r".utf8))
        XCTAssertEqual(environment.screen.text(ofRow: environment.screen.row - 1), "alive")
    }
}
