import XCTest
@testable import Shell

final class ShellParserTests: XCTestCase {
    /// The words of each command of each pipeline, with `$?` shown as "$?".
    private func shape(_ line: String, file: StaticString = #filePath, line number: UInt = #line) -> [[[String]]] {
        do {
            return try ShellParser.parse(line).items.map { item in
                item.pipeline.commands.map { command in command.words.map { $0.expanded(lastStatus: -7) } }
            }
        } catch {
            XCTFail("unexpected " + error.message, file: file, line: number)
            return []
        }
    }

    private func words(_ line: String, file: StaticString = #filePath, line number: UInt = #line) -> [String] {
        shape(line, file: file, line: number).first?.first ?? []
    }

    private func error(_ line: String) -> String? {
        do {
            _ = try ShellParser.parse(line)
            return nil
        } catch {
            return error.message
        }
    }

    func testWordsAreSeparatedByBlanks() {
        XCTAssertEqual(words("  echo   a\tb  "), ["echo", "a", "b"])
        XCTAssertEqual(words("héllo wörld"), ["héllo", "wörld"])
        XCTAssertTrue(try ShellParser.parse("").isEmpty)
        XCTAssertTrue(try ShellParser.parse(" \t ").isEmpty)
    }

    func testQuotes() {
        XCTAssertEqual(words("echo 'a  b' \"c d\""), ["echo", "a  b", "c d"])
        XCTAssertEqual(words("a'b'\"c\"d"), ["abcd"])
        XCTAssertEqual(words("echo '' \"\" x"), ["echo", "", "", "x"])
        XCTAssertEqual(words("echo 'a \\n \" $?' \"it's\""), ["echo", "a \\n \" $?", "it's"])
        XCTAssertEqual(words("echo \"a \\\" \\\\ \\$ \\n | ; > #\""), ["echo", "a \" \\ $ \\n | ; > #"])
    }

    func testBackslashEscapes() {
        XCTAssertEqual(words("echo a\\ b \\; \\| \\> \\' \\\" \\\\ \\#x"), ["echo", "a b", ";", "|", ">", "'", "\"", "\\", "#x"])
    }

    func testComments() {
        XCTAssertEqual(shape("echo a # comment | b"), [[["echo", "a"]]])
        XCTAssertEqual(words("echo a#b '#c'"), ["echo", "a#b", "#c"])
        XCTAssertTrue(try ShellParser.parse("# whole line").isEmpty)
        XCTAssertEqual(shape("echo a;# c"), [[["echo", "a"]]])
    }

    func testRedirectionForms() throws {
        let expected = SimpleCommand(words: [ShellWord("echo"), ShellWord("hi")],
                                     redirections: [Redirection(.output, ShellWord("f"))])
        for line in ["echo hi > f", "echo hi>f", "echo hi >f", ">f echo hi", "echo >f hi"] {
            XCTAssertEqual(try ShellParser.parse(line).items[0].pipeline.commands, [expected], line)
        }
        XCTAssertEqual(try ShellParser.parse("cat<in>>out").items[0].pipeline.commands,
                       [SimpleCommand(words: [ShellWord("cat")],
                                      redirections: [Redirection(.input, ShellWord("in")),
                                                     Redirection(.append, ShellWord("out"))])])
        XCTAssertEqual(try ShellParser.parse("> 'my file'").items[0].pipeline.commands,
                       [SimpleCommand(redirections: [Redirection(.output, ShellWord("my file"))])])
    }

    func testPipesAndLists() throws {
        XCTAssertEqual(shape("a 1 | b|c"), [[["a", "1"], ["b"], ["c"]]])
        let list = try ShellParser.parse("a && b || c ; d;")
        XCTAssertEqual(list.items.map(\.connector), [.always, .ifSucceeded, .ifFailed, .always])
        XCTAssertEqual(shape("a && b || c ; d;"), [[["a"]], [["b"]], [["c"]], [["d"]]])
        XCTAssertEqual(shape("a|b&&c"), [[["a"], ["b"]], [["c"]]])
    }

    func testNewlinesSeparateCommands() throws {
        XCTAssertEqual(shape("a\n\nb &&\nc |\n d\n"), [[["a"]], [["b"]], [["c"], ["d"]]])
        XCTAssertEqual(try ShellParser.parse("a &&\nc").items.map(\.connector), [.always, .ifSucceeded])
    }

    func testLastStatusExpansion() throws {
        let command = try ShellParser.parse("echo $? \"s=$?\" '$?' \\$? $x").items[0].pipeline.commands[0]
        XCTAssertEqual(command.words, [ShellWord("echo"), ShellWord(parts: [.lastStatus]),
                                       ShellWord(parts: [.literal("s="), .lastStatus]), ShellWord("$?"),
                                       ShellWord("$?"), ShellWord("$x")])
        XCTAssertEqual(command.words[2].expanded(lastStatus: 127), "s=127")
    }

    func testSyntaxErrors() {
        XCTAssertEqual(error("echo 'abc"), "syntax error: unterminated quote")
        XCTAssertEqual(error("echo \"abc\\\""), "syntax error: unterminated quote")
        XCTAssertEqual(error("echo abc\\"), "syntax error: backslash at end of line")
        XCTAssertEqual(error("echo hi >"), "syntax error: missing file name after >")
        XCTAssertEqual(error("echo hi >> ;"), "syntax error: missing file name after >>")
        XCTAssertEqual(error("cat < | x"), "syntax error: missing file name after <")
        XCTAssertEqual(error("| a"), "syntax error: empty command before |")
        XCTAssertEqual(error("a | | b"), "syntax error: empty command before |")
        XCTAssertEqual(error("&& a"), "syntax error: empty command before &&")
        XCTAssertEqual(error("|| a"), "syntax error: empty command before ||")
        XCTAssertEqual(error("; a"), "syntax error: empty command before ;")
        XCTAssertEqual(error("a ;; b"), "syntax error: empty command before ;")
        XCTAssertEqual(error("a |"), "syntax error: missing command after |")
        XCTAssertEqual(error("a &&"), "syntax error: missing command after &&")
        XCTAssertEqual(error("a || "), "syntax error: missing command after ||")
        XCTAssertEqual(error("a && ; b"), "syntax error: missing command after &&")
        XCTAssertEqual(error("a &"), "syntax error: & (background jobs) is not supported")
    }

    func testRandomLinesNeverTrap() {
        var random = SplitMix64(seed: 7)
        let alphabet = Array("ab \t'\"\\|&;<>#$?\n\r".utf8) + [0xc3, 0xa9, 0xff]
        for _ in 0..<5000 {
            let length = Int(random.next() % 24)
            let bytes = (0..<length).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }
            do {
                let list = try ShellParser.parse(String(decoding: bytes, as: UTF8.self))
                for item in list.items {
                    XCTAssertFalse(item.pipeline.commands.isEmpty)
                    for command in item.pipeline.commands { XCTAssertFalse(command.isEmpty) }
                }
            } catch {
                XCTAssertTrue(error.message.hasPrefix("syntax error: "))
            }
        }
    }
}

/// A small deterministic generator for the random tests.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
