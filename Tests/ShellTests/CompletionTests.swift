import XCTest
@testable import Shell

final class CompletionTests: XCTestCase {
    func testOneCandidateIsInsertedWithASpace() {
        var harness = EditorHarness()
        harness.candidates = { line, cursor in
            XCTAssertEqual(line, "ec x")
            XCTAssertEqual(cursor, 2)
            return ["echo"]
        }
        harness.type("ec x" + Keys.left + Keys.left + Keys.tab)
        harness.assertShowsLine("echo  x", cursor: 5)
    }

    func testADirectoryCandidateGetsNoSpace() {
        var harness = EditorHarness()
        harness.candidates = { _, _ in ["src/"] }
        harness.type("cat s\t")
        harness.assertShowsLine("cat src/")
    }

    func testSeveralCandidatesInsertTheCommonPrefixThenListOnTheSecondTab() {
        var harness = EditorHarness()
        harness.candidates = { _, _ in ["/bin/display", "/bin/dispatch", "/bin/disk/"] }
        harness.type("x /bin/d\t")
        harness.assertShowsLine("x /bin/dis")
        XCTAssertEqual(harness.screen.bells, 0)
        harness.type("\t")
        XCTAssertEqual(harness.screen.lines, ["> x /bin/dis", "display   dispatch  disk/", "> x /bin/dis"])
        harness.assertShowsLine("x /bin/dis")
        harness.type("k\t")
        harness.assertShowsLine("x /bin/disk")
    }

    func testListingKeepsTheCursorMidLine() {
        var harness = EditorHarness()
        harness.candidates = { _, _ in ["alpha", "alps"] }
        harness.type("al | cat" + Keys.home + Keys.right + Keys.right + "\t\t")
        XCTAssertEqual(harness.screen.lines, ["> alp | cat", "alpha  alps", "> alp | cat"])
        harness.assertShowsLine("alp | cat", cursor: 3)
    }

    func testListingWrapsToTheTerminalWidth() {
        var harness = EditorHarness(columns: 20)
        harness.candidates = { _, _ in ["alpha", "beta", "gamma", "delta", "epsilon"] }
        harness.type("\t\t")
        XCTAssertEqual(harness.screen.lines, ["> ", "alpha    beta", "gamma    delta", "epsilon", "> "].map {
            $0.hasSuffix(" ") ? String($0.dropLast()) : $0
        })
    }

    func testNoCandidateRingsTheBell() {
        var harness = EditorHarness()
        harness.type("zz\t")
        harness.assertShowsLine("zz")
        XCTAssertEqual(harness.screen.bells, 1)
        harness.candidates = { _, _ in ["zza", "zzb"] }
        harness.type(Keys.end + "\t")
        XCTAssertEqual(harness.screen.bells, 2, "nothing to add on the first Tab")
    }

    func testCompletedNamesAreEscaped() {
        var harness = EditorHarness()
        harness.candidates = { _, _ in ["my file;1.txt"] }
        harness.type("cat my\t")
        harness.assertShowsLine("cat my\\ file\\;1.txt ")
        XCTAssertEqual(try ShellParser.parse(harness.line).items[0].pipeline.commands[0].words[1],
                       ShellWord("my file;1.txt"))
    }

    func testTheWordUnderTheCursorIsFound() {
        XCTAssertEqual(CompletionWord.locate(in: "ec", cursor: 2),
                       CompletionWord(start: 0, text: "ec", isCommandPosition: true))
        XCTAssertEqual(CompletionWord.locate(in: "cat my\\ fi", cursor: 10),
                       CompletionWord(start: 4, text: "my fi", isCommandPosition: false))
        XCTAssertEqual(CompletionWord.locate(in: "a | b", cursor: 5),
                       CompletionWord(start: 4, text: "b", isCommandPosition: true))
        XCTAssertEqual(CompletionWord.locate(in: "a&&hi", cursor: 5),
                       CompletionWord(start: 3, text: "hi", isCommandPosition: true))
        XCTAssertEqual(CompletionWord.locate(in: "echo x>/t", cursor: 9),
                       CompletionWord(start: 7, text: "/t", isCommandPosition: false))
        XCTAssertEqual(CompletionWord.locate(in: "echo ", cursor: 5),
                       CompletionWord(start: 5, text: "", isCommandPosition: false))
        XCTAssertEqual(CompletionWord.locate(in: "x", cursor: 99).start, 0, "cursor clamped")
    }

    func testTheShellCompletesCommandNamesThenPaths() {
        let environment = FakeEnvironment()
        environment.directories = ["/", "/docs", "/docs/old", "/bin"]
        environment.files = ["/docs/notes.txt": [], "/docs/news": [], "/docs/.hidden": [], "/readme": []]
        let shell = Shell.create(environment: environment, commands: FakeEnvironment.testCommands())
        XCTAssertEqual(shell.complete("h", cursor: 1), ["help", "history"])
        XCTAssertEqual(shell.complete("echo a; hi", cursor: 10), ["history"])
        XCTAssertEqual(shell.complete("cat /docs/n", cursor: 11), ["/docs/news", "/docs/notes.txt"])
        XCTAssertEqual(shell.complete("cat /docs/", cursor: 10), ["/docs/news", "/docs/notes.txt", "/docs/old/"])
        XCTAssertEqual(shell.complete("cat /docs/.", cursor: 11), ["/docs/.hidden"])
        XCTAssertEqual(shell.complete("cat ", cursor: 4), ["bin/", "docs/", "readme"])
        shell.currentDirectory = "/docs"
        XCTAssertEqual(shell.complete("upper < o", cursor: 9), ["old/"])
        XCTAssertEqual(shell.complete("cat ../r", cursor: 8), ["../readme"])
        XCTAssertEqual(shell.complete("./n", cursor: 3), ["./news", "./notes.txt"], "a path as the command word")
        XCTAssertEqual(shell.complete("cat /nowhere/x", cursor: 14), [])
    }

    func testTabInTheSessionCompletesFromTheShell() {
        let environment = FakeEnvironment()
        environment.directories = ["/", "/docs"]
        let session = ShellSession.create(shell: Shell.create(environment: environment), prompt: "$ ")
        session.start()
        session.feed(Array("his\tcat do\t".utf8))
        XCTAssertEqual(session.editor.text, "history cat docs/")
    }
}
