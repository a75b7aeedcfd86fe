import XCTest
@testable import Drivers

func settings(file: String? = nil, commandLine: String? = nil) -> LumenSettings {
    LumenSettings.load(fwCfgConfig: file, commandLine: commandLine)
}

final class LumenSettingsTests: XCTestCase {
    let range = "WIDTHxHEIGHT from 320x200 to 8192x8192, or auto"
    let fontRange = "a size in pixels from 6 to 96, or auto"
    let keymapRule = "a keymap name of up to 32 letters, digits, '-', '_' or '.'"

    func testDefaults() {
        let s = LumenSettings()
        XCTAssertEqual(s.display, .auto)
        XCTAssertNil(s.resolution)
        XCTAssertNil(s.fontSize)
        XCTAssertNil(s.keymap)
        XCTAssertEqual(s.warnings, [])
        XCTAssertEqual(s.summary, "display=auto resolution=auto font.size=auto keymap=default")
        XCTAssertEqual(settings(file: "", commandLine: "").summary, s.summary)
    }

    func testConfigFile() {
        let s = settings(file: """
            # Lumen settings
            display=ramfb
            resolution = 1280x800   # trailing comment
            font.size=16 keymap=DE
            """)
        XCTAssertEqual(s.display, .ramfb)
        XCTAssertEqual(s.resolution?.width, 1280)
        XCTAssertEqual(s.resolution?.height, 800)
        XCTAssertEqual(s.fontSize, 16)
        XCTAssertEqual(s.keymap, "de")
        XCTAssertEqual(s.warnings, [])
        XCTAssertEqual(s.summary, "display=ramfb resolution=1280x800 font.size=16 keymap=de")
    }

    func testCommandLine() {
        let s = settings(commandLine: "console=ttyAMA0 lumen.display=virtio-gpu lumen.resolution=1024x768 quiet lumen.font.size=20 lumen.keymap=fr root=/dev/vda")
        XCTAssertEqual(s.summary, "display=virtio-gpu resolution=1024x768 font.size=20 keymap=fr")
        XCTAssertEqual(s.warnings, [])
    }

    func testPrecedence() {
        let s = settings(file: "display=ramfb resolution=800x600 keymap=de font.size=12",
                         commandLine: "lumen.resolution=1024x768 lumen.font.size=auto")
        XCTAssertEqual(s.summary, "display=ramfb resolution=1024x768 font.size=auto keymap=de")
        // A later word of the same source wins too.
        XCTAssertEqual(settings(file: "display=ramfb display=virtio-gpu").display, .virtioGPU)
        // Without the file, the command line over the defaults.
        XCTAssertEqual(settings(commandLine: "lumen.display=ramfb").display, .ramfb)
    }

    func testRawBuffersWithNULsAndCRLF() {
        let file: [UInt8] = Array("display=ramfb\r\nkeymap=de\r\n".utf8) + [0, 0, 0]
        let line: [UInt8] = Array("console=ttyAMA0 lumen.resolution=640x480".utf8) + [0]
        let s = file.withUnsafeBytes { f in line.withUnsafeBytes { l in LumenSettings.load(fwCfgConfig: f, commandLine: l) } }
        XCTAssertEqual(s.summary, "display=ramfb resolution=640x480 font.size=auto keymap=de")
        XCTAssertEqual(s.warnings, [])
    }

    func testMalformedResolutionKeepsThePreviousValue() {
        let s = settings(file: "resolution=1280x800", commandLine: "lumen.resolution=99999x1 lumen.resolution=1280x")
        XCTAssertEqual(s.resolutionName, "1280x800")
        XCTAssertEqual(s.warnings, [
            "command line: lumen.resolution=99999x1: expected \(range); keeping 1280x800",
            "command line: lumen.resolution=1280x: expected \(range); keeping 1280x800",
        ])
        XCTAssertEqual(settings(file: "resolution=big").warnings,
                       ["opt/lumen/config: resolution=big: expected \(range); keeping auto"])
    }

    func testResolutionBounds() {
        func parse(_ text: String) -> String? {
            let s = settings(file: "resolution=" + text)
            return s.warnings.isEmpty ? s.resolutionName : nil
        }
        XCTAssertEqual(parse("320x200"), "320x200")
        XCTAssertEqual(parse("8192x8192"), "8192x8192")
        XCTAssertEqual(parse("1280X800"), "1280x800")
        XCTAssertEqual(parse("AUTO"), "auto")
        XCTAssertNil(parse("319x200"))
        XCTAssertNil(parse("320x199"))
        XCTAssertNil(parse("8193x600"))
        XCTAssertNil(parse("800x8193"))
        XCTAssertNil(parse("1280*800"))
        XCTAssertNil(parse("1280x800x2"))
        XCTAssertNil(parse("-1280x800"))
        XCTAssertNil(parse("+1280x800"))
        XCTAssertNil(parse("x800"))
        XCTAssertNil(parse("1280x"))
        XCTAssertNil(parse("99999999999999999999x800"))
        XCTAssertNil(parse(""))
    }

    func testDisplayValues() {
        XCTAssertEqual(settings(file: "display=RAMFB").display, .ramfb)
        XCTAssertEqual(settings(file: "display=Virtio-GPU").display, .virtioGPU)
        XCTAssertEqual(settings(file: "display=ramfb display=auto").display, .auto)
        let s = settings(file: "display=ramfb", commandLine: "lumen.display=vga")
        XCTAssertEqual(s.display, .ramfb)
        XCTAssertEqual(s.warnings, ["command line: lumen.display=vga: expected auto, virtio-gpu or ramfb; keeping ramfb"])
        for choice in [DisplayChoice.auto, .virtioGPU, .ramfb] { XCTAssertEqual(DisplayChoice(name: choice.name), choice) }
        XCTAssertNil(DisplayChoice(name: "virtio"))
    }

    func testFontSize() {
        XCTAssertEqual(settings(file: "font.size=6").fontSize, 6)
        XCTAssertEqual(settings(file: "font.size=96").fontSize, 96)
        XCTAssertEqual(settings(file: "font.size=16 font.size=auto").fontSize, nil)
        let s = settings(file: "font.size=16 font.size=97 font.size=5 font.size=big font.size=-3")
        XCTAssertEqual(s.fontSize, 16)
        XCTAssertEqual(s.warnings, [
            "opt/lumen/config: font.size=97: expected \(fontRange); keeping 16",
            "opt/lumen/config: font.size=5: expected \(fontRange); keeping 16",
            "opt/lumen/config: font.size=big: expected \(fontRange); keeping 16",
            "opt/lumen/config: font.size=-3: expected \(fontRange); keeping 16",
        ])
    }

    func testKeymap() {
        XCTAssertEqual(settings(file: "keymap=de_CH-latin1.x").keymap, "de_ch-latin1.x")
        XCTAssertEqual(settings(file: "keymap=" + String(repeating: "a", count: 32)).keymap?.count, 32)
        let s = settings(file: "keymap=us", commandLine: "lumen.keymap=a/b lumen.keymap=" + String(repeating: "b", count: 33) + " lumen.keymap=")
        XCTAssertEqual(s.keymap, "us")
        XCTAssertEqual(s.warnings, [
            "command line: lumen.keymap=a/b: expected \(keymapRule); keeping us",
            "command line: lumen.keymap=" + String(repeating: "b", count: 33) + ": expected \(keymapRule); keeping us",
            "command line: lumen.keymap=: expected \(keymapRule); keeping us",
        ])
        XCTAssertEqual(settings(file: "keymap=é").warnings, ["opt/lumen/config: keymap=é: expected \(keymapRule); keeping default"])
    }

    func testUnknownKeysAreWarnings() {
        let s = settings(file: "colour=blue display=ramfb", commandLine: "lumen.colour=red lumen.=x colour=ignored")
        XCTAssertEqual(s.display, .ramfb)
        XCTAssertEqual(s.warnings, [
            "opt/lumen/config: unknown setting \"colour\" ignored",
            "command line: unknown setting \"lumen.colour\" ignored",
            "command line: unknown setting \"lumen.\" ignored",
        ])
    }

    func testWordsWithoutValue() {
        let s = settings(file: "display\nramfb", commandLine: "quiet lumen.display splash")
        XCTAssertEqual(s.display, .auto)
        XCTAssertEqual(s.warnings, [
            "opt/lumen/config: \"display\" has no value (expected key=value); ignored",
            "opt/lumen/config: \"ramfb\" has no value (expected key=value); ignored",
            "command line: \"lumen.display\" has no value (expected key=value); ignored",
        ])
    }

    func testSpacesAroundEquals() {
        XCTAssertEqual(settings(file: "display = ramfb").display, .ramfb)
        XCTAssertEqual(settings(file: "display =ramfb").display, .ramfb)
        XCTAssertEqual(settings(file: "display= ramfb").display, .ramfb)
        XCTAssertEqual(settings(file: "display\t=\tramfb").display, .ramfb)
        // The value must be on the same line.
        let s = settings(file: "display =\nramfb")
        XCTAssertEqual(s.display, .auto)
        XCTAssertEqual(s.warnings, [
            "opt/lumen/config: display=: expected auto, virtio-gpu or ramfb; keeping auto",
            "opt/lumen/config: \"ramfb\" has no value (expected key=value); ignored",
        ])
        // On the command line "key=" is an empty value.
        let line = settings(commandLine: "lumen.keymap= lumen.display=ramfb")
        XCTAssertEqual(line.display, .ramfb)
        XCTAssertEqual(line.warnings, ["command line: lumen.keymap=: expected \(keymapRule); keeping default"])
    }

    func testQuotesAndComments() {
        XCTAssertEqual(settings(commandLine: "lumen.keymap=\"de\"").keymap, "de")
        XCTAssertEqual(settings(commandLine: "\"lumen.display=ramfb\"").display, .ramfb)
        let spaced = settings(commandLine: "lumen.keymap=\"de nodeadkeys\" lumen.display=ramfb")
        XCTAssertEqual(spaced.display, .ramfb)
        XCTAssertEqual(spaced.warnings, ["command line: lumen.keymap=de nodeadkeys: expected \(keymapRule); keeping default"])
        XCTAssertEqual(settings(file: "keymap=\"\" display=ramfb").display, .ramfb)

        XCTAssertEqual(settings(file: "# display=ramfb\nkeymap=de").summary, "display=auto resolution=auto font.size=auto keymap=de")
        XCTAssertEqual(settings(file: "display=ramfb#comment keymap=de").summary,
                       "display=ramfb resolution=auto font.size=auto keymap=default")
        XCTAssertEqual(settings(file: "keymap=\"a#b\"").warnings.count, 1)  // '#' inside quotes is part of the value
        XCTAssertEqual(settings(file: "display=#nothing").warnings,
                       ["opt/lumen/config: display=: expected auto, virtio-gpu or ramfb; keeping auto"])
    }

    func testPrefixIsCaseInsensitive() {
        XCTAssertEqual(settings(commandLine: "LUMEN.DISPLAY=RAMFB Lumen.Keymap=DE").summary,
                       "display=ramfb resolution=auto font.size=auto keymap=de")
        // Without a prefix (the file), "lumen." keys are unknown.
        XCTAssertEqual(settings(file: "lumen.display=ramfb").warnings,
                       ["opt/lumen/config: unknown setting \"lumen.display\" ignored"])
    }

    func testOriginAndControlCharactersInWarnings() {
        var s = LumenSettings()
        s.apply(configText: "size=1", prefix: nil, origin: "test")
        s.apply(configText: "display=a\u{1}b", prefix: nil)
        s.apply(configText: "keymap=" + String(repeating: "x", count: 70), prefix: nil)
        XCTAssertEqual(s.warnings, [
            "test: unknown setting \"size\" ignored",
            "opt/lumen/config: display=a?b: expected auto, virtio-gpu or ramfb; keeping auto",
            "opt/lumen/config: keymap=" + String(repeating: "x", count: 64) + "...: expected \(keymapRule); keeping default",
        ])
    }

    /// The test and measurement options are settings like the others (they
    /// were read by a second parser, and `lumen.tcp.batch_ack=16` was honoured
    /// and logged as an unknown setting at the same time).
    func testMeasurementOptionsAreSettings() {
        let s = LumenSettings.load(fwCfgConfig: "console.blink=off",
                                   commandLine: "quiet lumen.tcp.batch_ack=16 lumen.virtio.csum=off lumen.virtio.event_idx=OFF "
                                       + "lumen.virtio.indirect=on lumen.rng.request=4096 lumen.test=pattern "
                                       + "lumen.repeat.delay=250 lumen.repeat.rate=0")
        XCTAssertEqual(s.warnings, [])
        XCTAssertEqual(s.tcpBatchAck, 16)
        XCTAssertFalse(s.virtioChecksum)
        XCTAssertFalse(s.virtioEventIndex)
        XCTAssertTrue(s.virtioIndirect)
        XCTAssertEqual(s.rngRequest, 4096)
        XCTAssertEqual(s.test, "pattern")
        XCTAssertFalse(s.consoleBlink)
        XCTAssertEqual(s.repeatDelay, 250)
        XCTAssertEqual(s.repeatRate, 0)
        let bad = LumenSettings.load(fwCfgConfig: nil,
                                     commandLine: "lumen.tcp.batch_ack=1 lumen.virtio.csum=maybe lumen.test=boom lumen.rng.request=99999999")
        XCTAssertEqual(bad.warnings, [
            "command line: lumen.tcp.batch_ack=1: expected a number from 2 to 64; keeping default",
            "command line: lumen.virtio.csum=maybe: expected on or off; keeping on",
            "command line: lumen.test=boom: expected fault or pattern; keeping none",
            "command line: lumen.rng.request=99999999: expected a number from 16 to 65536; keeping default",
        ])
        XCTAssertNil(bad.tcpBatchAck)
        XCTAssertTrue(bad.virtioChecksum)
        XCTAssertNil(bad.test)
    }

    func testRandomTextNeverTraps() {
        var rng = SplitMix64(seed: 0x5E77_1265)
        let alphabet = Array("lumen.display=ramfb resolution=1280x800 font.size keymap=de \"#\n\t=x0123456789".utf8) + [0, 0xFF, 0xC3]
        for _ in 0..<3000 {
            let length = Int(rng.next() % 120)
            let bytes = (0..<length).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            var s = LumenSettings()
            bytes.withUnsafeBytes { s.apply(configText: $0, prefix: rng.next() % 2 == 0 ? nil : "lumen.") }
            if let r = s.resolution {
                XCTAssertTrue(r.width >= 320 && r.width <= 8192 && r.height >= 200 && r.height <= 8192)
            }
            if let f = s.fontSize { XCTAssertTrue(f >= 6 && f <= 96) }
        }
    }
}
