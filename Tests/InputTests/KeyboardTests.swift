import XCTest
import Keyboard

/// Types on a `KeyboardInput` and collects what it produces.
struct Typist {
    var input: KeyboardInput
    var now: UInt64 = 1_000_000_000
    var output = KeyOutput()

    init(_ keymap: Keymap, locks: Locks = []) {
        input = KeyboardInput(keymap: keymap, locks: locks)
    }

    init(layout: String, locks: Locks = []) throws {
        self.init(try Keymaps.load(layout), locks: locks)
    }

    mutating func append(_ more: KeyOutput) {
        output.bytes += more.bytes
        output.actions += more.actions
        output.ledsChanged = output.ledsChanged || more.ledsChanged
    }

    mutating func down(_ code: UInt16) { append(input.handleKey(code: code, value: 1, at: now)) }
    mutating func up(_ code: UInt16) { append(input.handleKey(code: code, value: 0, at: now)) }

    /// Press and release `code` while `modifiers` are held.
    mutating func tap(_ code: UInt16, _ modifiers: [UInt16] = []) {
        for modifier in modifiers { down(modifier) }
        down(code)
        up(code)
        for modifier in modifiers.reversed() { up(modifier) }
    }

    mutating func tapAll(_ codes: [UInt16]) { for code in codes { tap(code) } }

    /// The text produced so far, and forget it.
    mutating func takeText() -> String {
        let text = String(decoding: output.bytes, as: UTF8.self)
        output = KeyOutput()
        return text
    }

    mutating func takeBytes() -> [UInt8] {
        let bytes = output.bytes
        output = KeyOutput()
        return bytes
    }

    mutating func takeOutput() -> KeyOutput {
        let result = output
        output = KeyOutput()
        return result
    }
}

let shiftL = KeyCode.leftShift, shiftR = KeyCode.rightShift, ctrl = KeyCode.leftCtrl, ctrlR = KeyCode.rightCtrl
let alt = KeyCode.leftAlt, altGr = KeyCode.rightAlt

final class LayoutTests: XCTestCase {
    func testUS() throws {
        var t = try Typist(layout: "us")
        t.tapAll([KeyCode.h, KeyCode.i, KeyCode.space, KeyCode.digit2, KeyCode.minus, KeyCode.apostrophe, KeyCode.grave])
        XCTAssertEqual(t.takeText(), "hi 2-'`")
        t.tap(KeyCode.digit2, [shiftL]); t.tap(KeyCode.digit3, [shiftR]); t.tap(KeyCode.apostrophe, [shiftL])
        t.tap(KeyCode.backslash, [shiftL]); t.tap(KeyCode.slash, [shiftL])
        XCTAssertEqual(t.takeText(), "@#\"|?")
        // Right Alt is Alt on a US keyboard: an ESC prefix, not a third level.
        t.tap(KeyCode.x, [altGr])
        XCTAssertEqual(t.takeText(), "\u{1B}x")
    }

    func testGB() throws {
        var t = try Typist(layout: "gb")
        t.tap(KeyCode.digit3, [shiftL])
        XCTAssertEqual(t.takeText(), "£", "Shift+3 is £")
        t.tap(KeyCode.digit2, [shiftL]); t.tap(KeyCode.apostrophe, [shiftL]); t.tap(KeyCode.apostrophe)
        XCTAssertEqual(t.takeText(), "\"@'", "@ and \" swapped relative to US")
        t.tap(KeyCode.backslash); t.tap(KeyCode.backslash, [shiftL]); t.tap(KeyCode.key102nd); t.tap(KeyCode.key102nd, [shiftL])
        XCTAssertEqual(t.takeText(), "#~\\|")
        t.tap(KeyCode.grave, [shiftL]); t.tap(KeyCode.digit4, [altGr])
        XCTAssertEqual(t.takeText(), "¬€")
    }

    func testDE() throws {
        var t = try Typist(layout: "de")
        t.tapAll([KeyCode.y, KeyCode.z])
        XCTAssertEqual(t.takeText(), "zy", "Z and Y swapped")
        t.tap(KeyCode.q, [altGr])
        XCTAssertEqual(t.takeText(), "@", "AltGr+Q = @")
        t.tap(KeyCode.e, [altGr]); t.tap(KeyCode.digit8, [altGr]); t.tap(KeyCode.minus, [altGr]); t.tap(KeyCode.key102nd, [altGr])
        XCTAssertEqual(t.takeText(), "€[\\|")
        t.tapAll([KeyCode.minus, KeyCode.leftBrace, KeyCode.semicolon, KeyCode.apostrophe])
        XCTAssertEqual(t.takeText(), "ßüöä")
        t.tap(KeyCode.digit7, [shiftL]); t.tap(KeyCode.digit0, [shiftL]); t.tap(KeyCode.digit2, [shiftL]); t.tap(KeyCode.digit3, [shiftL])
        XCTAssertEqual(t.takeText(), "/=\"§")
        // ´ is a dead key right of ß: ´ then e = é; Shift gives the dead `.
        t.tap(KeyCode.equal); t.tap(KeyCode.e)
        t.tap(KeyCode.equal); t.tap(KeyCode.e, [shiftL])
        t.tap(KeyCode.equal, [shiftL]); t.tap(KeyCode.a)
        XCTAssertEqual(t.takeText(), "éÉà")
        // ^ (dead, left of 1) then o.
        t.tap(KeyCode.grave); t.tap(KeyCode.o)
        XCTAssertEqual(t.takeText(), "ô")
        // The keypad decimal key types a comma with Num Lock on.
        t.tap(KeyCode.numLock); t.tap(KeyCode.keypadDot)
        XCTAssertEqual(t.takeText(), ",")
    }

    func testFR() throws {
        var t = try Typist(layout: "fr")
        t.tapAll([KeyCode.q, KeyCode.w, KeyCode.e, KeyCode.r, KeyCode.t, KeyCode.y, KeyCode.a, KeyCode.z, KeyCode.semicolon, KeyCode.m])
        XCTAssertEqual(t.takeText(), "azertyqwm,", "AZERTY")
        t.tapAll([KeyCode.digit1, KeyCode.digit2, KeyCode.digit3, KeyCode.digit7, KeyCode.digit9, KeyCode.digit0, KeyCode.apostrophe])
        XCTAssertEqual(t.takeText(), "&é\"èçàù")
        t.tap(KeyCode.digit1, [shiftL]); t.tap(KeyCode.digit0, [shiftR])
        XCTAssertEqual(t.takeText(), "10", "digits need Shift")
        t.tap(KeyCode.digit0, [altGr]); t.tap(KeyCode.digit3, [altGr]); t.tap(KeyCode.e, [altGr])
        XCTAssertEqual(t.takeText(), "@#€")
        // Dead ^ and ¨ (Shift) on the key right of P.
        t.tap(KeyCode.leftBrace); t.tap(KeyCode.e)
        t.tap(KeyCode.leftBrace); t.tap(KeyCode.q)
        t.tap(KeyCode.leftBrace, [shiftL]); t.tap(KeyCode.i)
        t.tap(KeyCode.leftBrace, [shiftL]); t.tap(KeyCode.u)
        t.tap(KeyCode.leftBrace); t.tap(KeyCode.space)
        XCTAssertEqual(t.takeText(), "êâïü^")
        // Caps Lock does not turn é into 2: only letters.
        t.tap(KeyCode.capsLock); t.tapAll([KeyCode.digit2, KeyCode.q])
        XCTAssertEqual(t.takeText(), "éA")
    }
}

final class KeyboardStateTests: XCTestCase {
    func testCapsLockAffectsLettersOnly() {
        var t = Typist(Keymap.builtinUS)
        t.tap(KeyCode.capsLock)
        XCTAssertTrue(t.output.ledsChanged)
        XCTAssertEqual(t.input.leds, .capsLock)
        t.tapAll([KeyCode.a, KeyCode.digit1, KeyCode.minus, KeyCode.semicolon])
        t.tap(KeyCode.a, [shiftL]); t.tap(KeyCode.digit1, [shiftL])
        XCTAssertEqual(t.takeText(), "A1-;a!")
        t.tap(KeyCode.capsLock)
        XCTAssertEqual(t.input.leds, [])
        t.tap(KeyCode.a)
        XCTAssertEqual(t.takeText(), "a")
        // Letters beyond ASCII too.
        var d = try! Typist(layout: "de", locks: .capsLock)
        d.tapAll([KeyCode.leftBrace, KeyCode.minus, KeyCode.digit1])
        XCTAssertEqual(d.takeText(), "Üß1")
    }

    func testNumLockKeypad() {
        var t = Typist(Keymap.builtinUS)
        t.tapAll([KeyCode.keypad7, KeyCode.keypad8, KeyCode.keypad3, KeyCode.keypad0, KeyCode.keypadDot, KeyCode.keypad5])
        XCTAssertEqual(t.takeBytes(), Array("\u{1B}[H\u{1B}[A\u{1B}[6~\u{1B}[2~\u{1B}[3~\u{1B}[E".utf8))
        t.tap(KeyCode.numLock)
        XCTAssertTrue(t.output.ledsChanged)
        XCTAssertEqual(t.input.leds, .numLock)
        t.tapAll([KeyCode.keypad7, KeyCode.keypad8, KeyCode.keypad3, KeyCode.keypad0, KeyCode.keypadDot, KeyCode.keypad5])
        t.tapAll([KeyCode.keypadSlash, KeyCode.keypadAsterisk, KeyCode.keypadMinus, KeyCode.keypadPlus, KeyCode.keypadEnter])
        XCTAssertEqual(t.takeText(), "7830.5/*-+\r")
        // Operators do not depend on Num Lock.
        t.tap(KeyCode.numLock)
        t.tapAll([KeyCode.keypadMinus, KeyCode.keypadEnter])
        XCTAssertEqual(t.takeText(), "-\r")
    }

    func testScrollLockTogglesItsLED() {
        var t = Typist(Keymap.builtinUS, locks: .numLock)
        t.tap(KeyCode.scrollLock)
        XCTAssertTrue(t.takeOutput().ledsChanged)
        XCTAssertEqual(t.input.leds, [.numLock, .scrollLock])
        XCTAssertEqual(t.input.leds.rawValue, 0b101, "bit n = LED code n")
        // Holding a lock key does not toggle it again.
        t.down(KeyCode.scrollLock)
        t.append(t.input.handleKey(code: KeyCode.scrollLock, value: 2, at: t.now))
        t.append(t.input.handleKey(code: KeyCode.scrollLock, value: 1, at: t.now))
        t.up(KeyCode.scrollLock)
        XCTAssertEqual(t.input.leds, [.numLock])
    }

    func testModifiersLeftAndRight() {
        var state = KeyboardState(keymap: Keymap.builtinUS)
        _ = state.handle(code: shiftL, value: 1)
        _ = state.handle(code: shiftR, value: 1)
        XCTAssertEqual(state.modifiers, [.shiftLeft, .shiftRight])
        _ = state.handle(code: shiftL, value: 0)
        XCTAssertTrue(state.modifiers.shift, "right Shift still held")
        XCTAssertEqual(state.handle(code: KeyCode.a, value: 1).press?.symbol, .character("A"))
        _ = state.handle(code: shiftR, value: 0)
        _ = state.handle(code: ctrlR, value: 1)
        _ = state.handle(code: KeyCode.rightMeta, value: 1)
        XCTAssertEqual(state.modifiers, [.controlRight, .metaRight])
        XCTAssertTrue(state.modifiers.control && state.modifiers.meta)
        // A release without a press, and unknown codes, do nothing.
        XCTAssertEqual(state.handle(code: KeyCode.b, value: 0), KeyboardEvent())
        XCTAssertEqual(state.handle(code: 0x110, value: 1), KeyboardEvent(), "buttons are not keys")
        XCTAssertEqual(state.handle(code: 250, value: 1), KeyboardEvent(), "no keymap entry")
        XCTAssertEqual(state.handle(code: KeyCode.a, value: 7), KeyboardEvent())
        state.releaseAll()
        XCTAssertEqual(state.modifiers, [])
        XCTAssertFalse(state.isHeld(KeyCode.a))
    }

    func testRemappedModifierCountsHolders() throws {
        // Caps Lock as a second left Control: releasing one keeps Control held.
        let keymap = try Keymaps.parse("KEY_CAPSLOCK Control_L")
        var state = KeyboardState(keymap: keymap)
        _ = state.handle(code: KeyCode.capsLock, value: 1)
        _ = state.handle(code: KeyCode.leftCtrl, value: 1)
        _ = state.handle(code: KeyCode.capsLock, value: 0)
        XCTAssertTrue(state.modifiers.control)
        _ = state.handle(code: KeyCode.leftCtrl, value: 0)
        XCTAssertFalse(state.modifiers.control)
    }

    func testDeadKeys() throws {
        var t = try Typist(layout: "de")
        let acute = KeyCode.equal, circumflex = KeyCode.grave
        t.tap(acute); t.tap(KeyCode.e)                       // ´ + e → é
        t.tap(circumflex); t.tap(KeyCode.a)                  // ^ + a → â
        t.tap(KeyCode.leftBrace, [altGr]); t.tap(KeyCode.u)  // ¨ (AltGr+ü) + u → ü
        t.tap(acute, [shiftL]); t.tap(KeyCode.a)             // ` + a → à
        XCTAssertEqual(t.takeText(), "éâüà")
        t.tap(acute); t.tap(KeyCode.space)
        t.tap(circumflex); t.tap(KeyCode.space)
        t.tap(acute); t.tap(acute)
        XCTAssertEqual(t.takeText(), "´^´", "dead + space (or itself) → the accent")
        t.tap(acute); t.tap(KeyCode.x)
        t.tap(circumflex); t.tap(KeyCode.digit1)
        XCTAssertEqual(t.takeText(), "´x^1", "dead + non-composing → both")
        t.tap(acute); t.tap(circumflex); t.tap(KeyCode.o)
        XCTAssertEqual(t.takeText(), "´ô", "a second, different dead key: the first is typed, the second waits")
        t.tap(acute); t.tap(KeyCode.enter)
        XCTAssertEqual(t.takeText(), "´\r")
        // Modifiers between the dead key and the letter do not cancel it.
        t.tap(acute); t.down(shiftL); t.tap(KeyCode.o); t.up(shiftL)
        XCTAssertEqual(t.takeText(), "Ó")
        // A dead key types nothing by itself, and does not repeat.
        t.down(acute)
        XCTAssertEqual(t.takeBytes(), [])
        XCTAssertNil(t.input.nextDeadline)
        t.up(acute)
        XCTAssertEqual(t.input.state.pendingDeadKey, .acute)
        t.tap(KeyCode.c)
        XCTAssertEqual(t.takeText(), "ć")
        XCTAssertNil(t.input.state.pendingDeadKey)
    }

    func testDeadKeyCompositionTable() {
        XCTAssertEqual(DeadKey.acute.compose("e"), "é")
        XCTAssertEqual(DeadKey.circumflex.compose("a"), "â")
        XCTAssertEqual(DeadKey.diaeresis.compose("u"), "ü")
        XCTAssertEqual(DeadKey.grave.compose("a"), "à")
        XCTAssertEqual(DeadKey.tilde.compose("N"), "Ñ")
        XCTAssertEqual(DeadKey.cedilla.compose("c"), "ç")
        XCTAssertEqual(DeadKey.caron.compose("s"), "š")
        XCTAssertEqual(DeadKey.abovering.compose("A"), "Å")
        XCTAssertEqual(DeadKey.ogonek.compose("e"), "ę")
        XCTAssertEqual(DeadKey.abovedot.compose("z"), "ż")
        XCTAssertEqual(DeadKey.doubleacute.compose("o"), "ő")
        XCTAssertNil(DeadKey.acute.compose("x"))
        XCTAssertNil(DeadKey.diaeresis.compose("ü"))
        for dead in DeadKey.allCases { XCTAssertNil(dead.compose(" ")) }
    }

    func testDeadKeyWithControlIsItsAccent() throws {
        var t = try Typist(layout: "de")
        t.tap(KeyCode.grave, [ctrl])   // Ctrl + dead ^ → Ctrl+^ (RS)
        XCTAssertEqual(t.takeBytes(), [0x1E])
        XCTAssertNil(t.input.state.pendingDeadKey)
        // A pending dead key before Ctrl+letter is typed, the control code follows.
        t.tap(KeyCode.equal); t.tap(KeyCode.c, [ctrl])
        XCTAssertEqual(t.takeBytes(), Array("´".utf8) + [0x03])
    }

    func testDeviceRepeatsAreIgnoredUnlessAccepted() {
        var state = KeyboardState(keymap: Keymap.builtinUS)
        XCTAssertNotNil(state.handle(code: KeyCode.a, value: 1).press)
        XCTAssertNil(state.handle(code: KeyCode.a, value: 1).press, "QEMU forwards host repeats as presses")
        XCTAssertNil(state.handle(code: KeyCode.a, value: 2).press)
        state.acceptsDeviceRepeats = true
        let repeated = state.handle(code: KeyCode.a, value: 2).press
        XCTAssertEqual(repeated?.symbol, .character("a"))
        XCTAssertEqual(repeated?.isRepeat, true)
        _ = state.handle(code: KeyCode.a, value: 0)
        XCTAssertNil(state.handle(code: KeyCode.a, value: 2).press, "not held: not a repeat")
    }
}

final class AutorepeatTests: XCTestCase {
    let ms: UInt64 = 1_000_000

    func testTiming() {
        var repeat_ = Autorepeat()
        XCTAssertEqual(repeat_.delayNanoseconds, 500 * ms)
        XCTAssertNil(repeat_.nextDeadline)
        let t0: UInt64 = 7_000 * ms
        repeat_.press(KeyCode.a, at: t0)
        XCTAssertEqual(repeat_.nextDeadline, t0 + 500 * ms)
        XCTAssertEqual(repeat_.poll(at: t0 + 499 * ms), 0)
        XCTAssertEqual(repeat_.poll(at: t0 + 500 * ms), 1)
        XCTAssertEqual(repeat_.poll(at: t0 + 500 * ms), 0)
        XCTAssertEqual(repeat_.nextDeadline, t0 + 500 * ms + 33_333_333)
        // 30 per second: over one second after the delay, 30 repeats (plus the one at 500 ms).
        var total = 1
        var now = t0 + 500 * ms
        while now < t0 + 1500 * ms {
            now += ms
            total += repeat_.poll(at: now)
        }
        XCTAssertEqual(total, 31)
        // Exact schedule over a long hold: no drift.
        XCTAssertEqual(repeat_.nextDeadline, t0 + 1500 * ms + 33_333_333)
        repeat_.release(KeyCode.b)
        XCTAssertNotNil(repeat_.nextDeadline, "another key's release does not stop it")
        repeat_.release(KeyCode.a)
        XCTAssertNil(repeat_.nextDeadline)
        XCTAssertEqual(repeat_.poll(at: t0 + 10_000 * ms), 0)
    }

    func testConfigurableAndLate() {
        var repeat_ = Autorepeat(delayMilliseconds: 250, ratePerSecond: 10, maximumBurst: 3)
        repeat_.press(1, at: 0)
        XCTAssertEqual(repeat_.poll(at: 249 * ms), 0)
        XCTAssertEqual(repeat_.poll(at: 450 * ms), 3, "250, 350, 450")
        // Late by seconds: a burst of at most 3, then on from now.
        XCTAssertEqual(repeat_.poll(at: 10_000 * ms), 3)
        XCTAssertEqual(repeat_.nextDeadline, 10_100 * ms)
        XCTAssertEqual(repeat_.poll(at: 10_100 * ms), 1)
        var off = Autorepeat(ratePerSecond: 0)
        off.press(1, at: 0)
        XCTAssertNil(off.nextDeadline)
        XCTAssertEqual(off.poll(at: .max), 0)
        var edge = Autorepeat()
        edge.press(1, at: .max - 10)
        XCTAssertEqual(edge.nextDeadline, .max)
        XCTAssertEqual(edge.poll(at: .max), 8, "saturates, bounded by the burst")
    }

    func testKeyboardInputRepeats() {
        var t = Typist(Keymap.builtinUS)
        t.down(KeyCode.a)
        XCTAssertEqual(t.takeText(), "a")
        XCTAssertEqual(t.input.nextDeadline, t.now + 500 * ms)
        t.append(t.input.tick(at: t.now + 400 * ms))
        XCTAssertEqual(t.takeText(), "")
        t.append(t.input.tick(at: t.now + 500 * ms))
        t.append(t.input.tick(at: t.now + 560 * ms))
        XCTAssertEqual(t.takeText(), "aa", "at 500 ms and 533 ms")
        // Shift pressed while repeating: the repeats follow it (modifiers themselves do not repeat).
        t.now += 560 * ms
        t.down(shiftL)
        XCTAssertNotNil(t.input.nextDeadline, "a modifier does not stop the repeat")
        t.append(t.input.tick(at: t.now + 34 * ms))
        XCTAssertEqual(t.takeText(), "A")
        // A second key takes over.
        t.up(shiftL)
        t.down(KeyCode.b)
        XCTAssertEqual(t.takeText(), "b")
        t.up(KeyCode.a)
        XCTAssertNotNil(t.input.nextDeadline, "releasing the old key does not stop the new one")
        t.append(t.input.tick(at: t.now + 500 * ms))
        XCTAssertEqual(t.takeText(), "b")
        t.up(KeyCode.b)
        XCTAssertNil(t.input.nextDeadline)
        // Locks and modifiers never repeat.
        for code in [KeyCode.capsLock, KeyCode.numLock, shiftL, ctrl, alt] {
            t.down(code)
            XCTAssertNil(t.input.nextDeadline, "\(code)")
            t.up(code)
        }
        XCTAssertEqual(t.input.leds, [.capsLock, .numLock])
        // Special keys do.
        t.down(KeyCode.up)
        t.append(t.input.tick(at: t.now + 500 * ms))
        XCTAssertEqual(t.takeBytes(), Array("\u{1B}[A\u{1B}[A".utf8))
    }
}
