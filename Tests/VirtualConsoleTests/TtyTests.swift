import Console
import Terminal
import XCTest

/// A console's tty: the boot log kept until a screen shows it, Scroll Lock's
/// hold, and the line discipline's Ctrl-C.
final class TtyTests: XCTestCase {
    func text(of terminal: Terminal, row: Int) -> String {
        var line = ""
        for column in 0..<terminal.columns {
            let scalar = terminal.visibleCell(row: row, column: column).scalar
            line.unicodeScalars.append(Unicode.Scalar(scalar == 0 ? 0x20 : scalar) ?? " ")
        }
        while line.hasSuffix(" ") { line.removeLast() }
        return line
    }

    func testOutputBeforeAScreenIsReplayedWithLineFeedsReturningTheCarriage() {
        let tty = Tty()
        tty.write(Array("boot: one\nboot: two\n".utf8))
        let terminal = Terminal(columns: 40, rows: 5)
        tty.attach(terminal)
        XCTAssertEqual(text(of: terminal, row: 0), "boot: one")
        XCTAssertEqual(text(of: terminal, row: 1), "boot: two")
        XCTAssertEqual(terminal.cursorState.column, 0, "ONLCR: LF returned the carriage")
        tty.write(Array("after\n".utf8))
        XCTAssertEqual(text(of: terminal, row: 2), "after")
    }

    func testOnlyTheNewestUnshownOutputIsKept() {
        let tty = Tty()
        tty.write([UInt8](repeating: UInt8(ascii: "a"), count: Tty.unshownLimit))
        tty.write(Array("\u{1b}[H\u{1b}[2Jlast".utf8))
        let terminal = Terminal(columns: 20, rows: 3)
        tty.attach(terminal)
        XCTAssertEqual(text(of: terminal, row: 0), "last", "the oldest bytes gave way, the newest were replayed")
    }

    func testScrollLockHoldsOutputAndReleasesItInOrder() {
        let tty = Tty()
        let terminal = Terminal(columns: 20, rows: 4)
        tty.attach(terminal)
        var changes = 0
        tty.outputChanged = { changes += 1 }
        tty.write(Array("one\n".utf8))
        tty.setHeld(true)
        tty.write(Array("two\n".utf8))
        tty.write(Array("three\n".utf8))
        XCTAssertEqual(text(of: terminal, row: 1), "", "held output is not shown")
        XCTAssertEqual(tty.heldCount, 10)
        XCTAssertEqual(changes, 1)
        tty.setHeld(false)
        XCTAssertEqual(text(of: terminal, row: 1), "two")
        XCTAssertEqual(text(of: terminal, row: 2), "three")
        XCTAssertEqual(tty.heldCount, 0)
        XCTAssertEqual(tty.heldDropped, 0)
    }

    func testAFullHoldDropsTheNewBytesAndCountsThem() {
        let tty = Tty()
        tty.attach(Terminal(columns: 20, rows: 4))
        tty.setHeld(true)
        tty.write([UInt8](repeating: 0x41, count: Tty.heldLimit - 3))
        tty.write(Array("123456".utf8))
        XCTAssertEqual(tty.heldCount, Tty.heldLimit)
        XCTAssertEqual(tty.heldDropped, 3)
    }

    func testCtrlCWhileTheProgramIsBusyDropsTypedAheadAndInterrupts() {
        let tty = Tty()
        var busy = false
        var interrupts: [Bool] = []
        tty.programIsBusy = { busy }
        tty.inputArrived = { interrupts.append($0) }
        tty.receive(Array("ls".utf8))
        XCTAssertEqual(tty.takeInput(), Array("ls".utf8))
        busy = true
        tty.receive(Array("typed ahead".utf8))
        tty.receive(Array("more\u{3}after".utf8))
        XCTAssertEqual(interrupts, [false, false, true])
        XCTAssertEqual(tty.takeInput(), Array("after".utf8), "what came before the Ctrl-C is dropped")
        busy = false
        tty.receive([3])
        XCTAssertEqual(interrupts.last, false, "at the prompt Ctrl-C is the line editor's")
        XCTAssertEqual(tty.takeInput(), [3])
        XCTAssertFalse(tty.hasInput)
    }

    func testTypingReturnsAScrolledBackViewToTheLiveScreen() {
        let tty = Tty()
        let terminal = Terminal(columns: 20, rows: 3)
        tty.attach(terminal)
        for line in 0..<10 { tty.write(Array("line \(line)\n".utf8)) }
        terminal.scrollView(by: 4)
        XCTAssertEqual(terminal.viewOffset, 4)
        tty.receive([0x61])
        XCTAssertEqual(terminal.viewOffset, 0)
    }
}
