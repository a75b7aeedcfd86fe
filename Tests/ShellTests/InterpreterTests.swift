import XCTest
@testable import Shell

final class InterpreterTests: XCTestCase {
    private var environment = FakeEnvironment()
    private var shell: Shell<FakeEnvironment>!

    override func setUp() {
        environment = FakeEnvironment()
        environment.directories = ["/", "/docs"]
        shell = Shell.create(environment: environment, commands: FakeEnvironment.testCommands())
    }

    /// Runs `line`; returns what reached the terminal and the status.
    private func run(_ line: String) -> (output: String, status: Int32) {
        let status = shell.execute(line)
        return (environment.takeTerminalText(), status)
    }

    private func file(_ path: String) -> String? {
        environment.files[path].map { String(decoding: $0, as: UTF8.self) }
    }

    func testEcho() {
        XCTAssertEqual(run("echo hello   'big  world'").output, "hello big  world\n")
        XCTAssertEqual(run("echo -n no newline").output, "no newline")
        XCTAssertEqual(run("echo").output, "\n")
        XCTAssertEqual(run("echo -e 'a\\tb\\x41\\e[1m\\\\\\0101'").output, "a\tbA\u{1b}[1m\\A\n")
        XCTAssertEqual(run("echo -ne 'x\\cy' z").output, "x")
        XCTAssertEqual(run("echo 'a\\tb' -n").output, "a\\tb -n\n", "escapes only with -e; options only first")
        XCTAssertEqual(run("echo -x").output, "-x\n")
    }

    func testPipesPassBytesFromCommandToCommand() {
        XCTAssertEqual(run("echo hello | upper | cat").output, "HELLO\n")
        XCTAssertEqual(run("stdin | cat").output, "no\n")
        XCTAssertEqual(run("true | stdin").output, "yes\n", "an empty pipe is still standard input")
        let result = run("echo a | status 3")
        XCTAssertEqual(result.status, 3, "a pipeline's status is its last command's")
        XCTAssertEqual(run("status 4 | echo b").status, 0)
    }

    func testOutputRedirectionWritesAndAppends() {
        XCTAssertEqual(run("echo one > /docs/f").output, "", "redirected output is not shown")
        XCTAssertEqual(file("/docs/f"), "one\n")
        _ = run("echo two>>/docs/f")
        XCTAssertEqual(file("/docs/f"), "one\ntwo\n")
        _ = run("echo three>/docs/f")
        XCTAssertEqual(file("/docs/f"), "three\n")
        _ = run("echo a | upper >> /docs/f")
        XCTAssertEqual(file("/docs/f"), "three\nA\n")
        _ = run("> /empty")
        XCTAssertEqual(file("/empty"), "")
        _ = run("echo x > /a > /b")
        XCTAssertEqual(file("/a"), "", "every file named is created")
        XCTAssertEqual(file("/b"), "x\n", "the last one gets the output")
        _ = run("echo 'sp ace' > 'my file'")
        XCTAssertEqual(file("/my file"), "sp ace\n")
    }

    func testInputRedirection() {
        environment.files["/in"] = Array("text\n".utf8)
        XCTAssertEqual(run("upper < /in").output, "TEXT\n")
        XCTAssertEqual(run("upper</in>/out").output, "")
        XCTAssertEqual(file("/out"), "TEXT\n")
        XCTAssertEqual(run("echo ignored | upper < /in").output, "TEXT\n", "the file replaces the pipe")
        let missing = run("upper < /nope && echo ran")
        XCTAssertEqual(missing.output, "/nope: no such file or directory\n")
        XCTAssertEqual(missing.status, 1)
    }

    func testRedirectionFailuresAreReported() {
        environment.readOnlyPaths = ["/locked"]
        let locked = run("echo x > /locked")
        XCTAssertEqual(locked.output, "/locked: read-only file system\n")
        XCTAssertEqual(locked.status, 1)
        XCTAssertEqual(run("echo x > /docs").output, "/docs: is a directory\n")
        XCTAssertEqual(run("echo x > /no/such/dir").output, "/no/such/dir: no such file or directory\n")
    }

    func testListsFollowStatuses() {
        XCTAssertEqual(run("echo a; false; echo b").output, "a\nb\n")
        XCTAssertEqual(run("true && echo yes").output, "yes\n")
        let stopped = run("false && echo no; echo $?")
        XCTAssertEqual(stopped.output, "1\n", "&& stops on failure and keeps the status")
        XCTAssertEqual(run("false || echo rescued").output, "rescued\n")
        XCTAssertEqual(run("true || echo no").output, "")
        XCTAssertEqual(run("false && echo no || echo yes").output, "yes\n")
        XCTAssertEqual(run("status 5; echo \"was $?\"; echo $?").output, "was 5\n0\n")
        XCTAssertEqual(run("status 3 | echo $?").output, "0\n", "a pipeline expands $? from before it")
    }

    func testUnknownCommands() {
        let result = run("nope a b")
        XCTAssertEqual(result.output, "nope: command not found\n")
        XCTAssertEqual(result.status, 127)
        XCTAssertEqual(run("echo $?").output, "127\n")
        XCTAssertEqual(run("nope | upper; echo after").output, "nope: command not found\nafter\n")
        XCTAssertEqual(run("'' x").output, ": command not found\n")
    }

    func testSyntaxErrorsRunNothing() {
        let result = run("echo a; echo 'b")
        XCTAssertEqual(result.output, "syntax error: unterminated quote\n")
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(shell.lastStatus, 2)
        XCTAssertEqual(run("   # nothing").status, 2, "an empty line keeps the status")
    }

    func testRunExecutesEachLineOfAScript() {
        environment.files["/s.sh"] = Array("echo one\r\necho 'bad\n\n# comment\nfalse\necho three > /out\n".utf8)
        let result = run("run /s.sh")
        XCTAssertEqual(result.output, "one\n/s.sh:2: syntax error: unterminated quote\n")
        XCTAssertEqual(file("/out"), "three\n")
        XCTAssertEqual(result.status, 0, "the status of the last line run")
        environment.files["/fails.sh"] = Array("echo x\nfalse\n# done\n".utf8)
        XCTAssertEqual(run("run /fails.sh").status, 1)
        environment.files["/empty.sh"] = []
        XCTAssertEqual(run("false; run /empty.sh").status, 0)
    }

    func testRunResolvesRelativePathsAndCanBeRedirected() {
        environment.files["/docs/s"] = Array("echo hi\nupper < data\n".utf8)
        environment.files["/docs/data"] = Array("abc\n".utf8)
        _ = run("cd /docs")
        XCTAssertEqual(run("run s").output, "hi\nABC\n")
        XCTAssertEqual(run("run s > captured; cat captured").output, "hi\nABC\n")
        XCTAssertEqual(run("run s | upper").output, "HI\nABC\n")
    }

    func testRunReportsMissingFilesUsageAndRunawayNesting() {
        let missing = run("run /none")
        XCTAssertEqual(missing.output, "run: /none: no such file or directory\n")
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(run("run").output, "usage: run FILE\n")
        environment.files["/loop"] = Array("echo in\nrun /loop\n".utf8)
        let loop = run("run /loop")
        XCTAssertEqual(loop.output, String(repeating: "in\n", count: 8) + "run: scripts nested too deeply\n")
        XCTAssertEqual(loop.status, 1)
        XCTAssertEqual(run("run /loop").output.split(separator: "\n", omittingEmptySubsequences: false).count, 10, "and again")
    }

    func testHelpListsEveryCommand() {
        let help = run("help").output
        XCTAssertTrue(help.hasPrefix("Commands:\n"))
        for command in shell.commands {
            XCTAssertTrue(help.contains("  " + command.name + " "), command.name)
            XCTAssertTrue(help.contains(command.summary), command.name)
        }
        for name in ["help", "echo", "run", "history", "true", "false", "cd", "pwd", "cat", "upper"] {
            XCTAssertNotNil(shell.command(named: name), name)
        }
        XCTAssertTrue(help.contains("  cd       change the current directory\n"), "names padded into a column")
        XCTAssertEqual(run("help cat").output, "cat: print files, or standard input\nusage: cat [FILE...]\n")
        let unknown = run("help nope")
        XCTAssertEqual(unknown.output, "help: no command called nope\n")
        XCTAssertEqual(unknown.status, 1)
    }

    func testEnvironmentCommandsCanReplaceBuiltins() {
        shell.register(ShellCommand(name: "echo", summary: "loud echo", usage: "echo", run: { context in
            context.standardOutput.writeLine(context.arguments.joined(separator: " ").uppercased())
            return 0
        }))
        XCTAssertEqual(run("echo hi").output, "HI\n")
        XCTAssertEqual(shell.commands.filter { $0.name == "echo" }.count, 1)
    }

    func testHistoryBuiltin() {
        for line in ["ls", "pwd", "echo hi"] { shell.history.add(line) }
        XCTAssertEqual(run("history").output, "    1  ls\n    2  pwd\n    3  echo hi\n")
        XCTAssertEqual(run("history 2").output, "    2  pwd\n    3  echo hi\n")
        XCTAssertEqual(run("history x").status, 2)
        _ = run("history -c")
        XCTAssertTrue(shell.history.isEmpty)
        XCTAssertEqual(environment.savedHistory, [])
    }

    func testCurrentDirectoryAndRelativePaths() {
        XCTAssertEqual(run("pwd").output, "/\n")
        XCTAssertEqual(run("cd docs; pwd").output, "/docs\n")
        _ = run("echo x > f")
        XCTAssertEqual(file("/docs/f"), "x\n")
        XCTAssertEqual(run("cat ../docs/./f").output, "x\n")
        let failed = run("cd nowhere")
        XCTAssertEqual(failed.output, "cd: nowhere: no such directory\n")
        XCTAssertEqual(failed.status, 1)
        XCTAssertEqual(shell.currentDirectory, "/docs")
        XCTAssertEqual(run("cd a b").output, "usage: cd [DIR]\n")
        XCTAssertEqual(run("cd ..; pwd; cd docs; cd; pwd").output, "/\n/\n")
    }

    func testPathsAreResolvedLexically() {
        XCTAssertEqual(ShellPath.resolve("a/b", in: "/x"), "/x/a/b")
        XCTAssertEqual(ShellPath.resolve("/a//b/./c/", in: "/x"), "/a/b/c")
        XCTAssertEqual(ShellPath.resolve("../../..", in: "/x/y"), "/")
        XCTAssertEqual(ShellPath.resolve("", in: "/x/y"), "/x/y")
        XCTAssertEqual(ShellPath.resolve("..", in: "/"), "/")
    }

    func testControlCStopsTheCommandLine() {
        environment.interruptAtPoll = 5
        let result = run("spin; echo after")
        XCTAssertEqual(result.output, "^C\n")
        XCTAssertEqual(result.status, 130)
        XCTAssertEqual(shell.lastStatus, 130)
        // The next line starts afresh.
        environment.interruptAtPoll = nil
        XCTAssertEqual(run("echo next").output, "next\n")
        environment.files["/s"] = Array("echo 1\nspin\necho 2\n".utf8)
        environment.interruptAtPoll = 8
        XCTAssertEqual(run("run /s; echo 3").output, "1\n^C\n")
    }

    func testInterruptedOutputEndsTheLineBeforeTheMarker() {
        environment.interruptAtPoll = 2
        XCTAssertEqual(run("echo -n partial; spin").output, "partial\n^C\n")
    }

    func testCommandsCanFailWithMessages() {
        shell.register(ShellCommand(name: "mount", summary: "mount a disk", usage: "mount DEVICE", run: { context in
            guard context.arguments.count == 1 else { return context.usageError() }
            return context.fail("no such device: " + context.arguments[0], status: 3)
        }))
        XCTAssertEqual(run("mount").output, "usage: mount DEVICE\n")
        XCTAssertEqual(shell.lastStatus, 2)
        let failed = run("mount vdb > /out")
        XCTAssertEqual(failed.output, "mount: no such device: vdb\n", "errors go to the terminal, not the file")
        XCTAssertEqual(failed.status, 3)
    }

    func testRandomCommandLinesNeverTrap() {
        environment.files["/s"] = Array("echo $?; cat /s | upper\n".utf8)
        var random = SplitMix64(seed: 11)
        let pieces = ["echo", "cat", "upper", "run", "/s", "x", "'a b'", "\"", "'", "|", "||", "&&", ";", ">", ">>",
                      "<", "/f", "/docs", "$?", "\\", "#", "false", "true", "cd", "..", "help", "history", "nope",
                      "é", " ", "-n", "-e", "\\x4", "status", "-1"]
        for _ in 0..<2000 {
            let count = Int(random.next() % 8)
            let line = (0..<count).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined(separator: " ")
            _ = run(line)
        }
        XCTAssertEqual(run("echo alive").output, "alive\n")
    }
}
