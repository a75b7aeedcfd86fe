import XCTest
@testable import Storage

final class FATNameTests: XCTestCase {
    func testLongNamesUpTo255Characters() throws {
        let (disk, volume) = try makeVolume(kind: .fat16, sectors: 32_768)
        let longest = String(repeating: "abcdefghij", count: 25) + "klmno"   // 255
        XCTAssertEqual(longest.count, 255)
        try volume.writeFile("/" + longest, [1, 2, 3])
        XCTAssertEqual(try volume.list("/").map(\.name), [longest])
        XCTAssertEqual(try remount(volume, disk).readFile("/" + longest.uppercased()), [1, 2, 3])
        guard case .invalidName = fatError({ try volume.writeFile("/" + longest + "p", [1]) }) else {
            return XCTFail("256 characters must be refused")
        }
    }

    func testUnicodeNamesRoundTrip() throws {
        let (disk, volume) = try makeVolume(kind: .fat32, sectors: 70_000)
        let unicodeNames = ["Grüße.txt", "日本語のファイル.txt", "📁 notes.md", "Ελληνικά.doc", "Привет мир", "naïve café"]
        for (index, name) in unicodeNames.enumerated() { try volume.writeFile("/" + name, pattern(100, seed: index)) }
        let again = try remount(volume, disk)
        XCTAssertEqual(names(try again.list("/")), unicodeNames.sorted())
        for (index, name) in unicodeNames.enumerated() {
            XCTAssertTrue(try again.readFile("/" + name) == pattern(100, seed: index), name)
        }
        XCTAssertTrue(try again.readFile("/GRÜßE.TXT") == pattern(100, seed: 0), "ü folds to Ü")
        XCTAssertTrue(try again.readFile("/ελληνικά.DOC") == pattern(100, seed: 3), "Greek folds too")
        XCTAssertTrue(try again.readFile("/ПРИВЕТ МИР") == pattern(100, seed: 4), "Cyrillic folds too")
        // Non-ASCII names get a long name and an ASCII-only 8.3 alias.
        let entry = try again.info("/Grüße.txt")
        XCTAssertEqual(entry.shortName, "GR__E~1.TXT")
    }

    func testLookupIgnoresCaseButKeepsTheStoredSpelling() throws {
        let (_, volume) = try makeVolume(kind: .fat12, sectors: 2880)
        try volume.writeFile("/MixedCase.Txt", [1])
        XCTAssertEqual(try volume.readFile("/mixedcase.TXT"), [1])
        XCTAssertEqual(try volume.info("/MIXEDCASE.TXT").name, "MixedCase.Txt")
        // Names that differ only in case are one file.
        try volume.writeFile("/Readme.md", [1])
        try volume.writeFile("/README.MD", [2, 2])
        XCTAssertEqual(try volume.readFile("/readme.md"), [2, 2])
        XCTAssertEqual(names(try volume.list("/")), ["MixedCase.Txt", "Readme.md"])
        XCTAssertEqual(fatError { try volume.makeDirectory("/MIXEDCASE.txt") }, .exists("/MIXEDCASE.txt"))
        // The 8.3 alias finds the file too.
        let alias = try volume.info("/MixedCase.Txt").shortName
        XCTAssertEqual(alias, "MIXEDC~1.TXT")
        XCTAssertEqual(try volume.readFile("/" + alias), [1])
    }

    func testPlainShortNamesUseCaseFlagsInsteadOfLongNames() throws {
        let (_, volume) = try makeVolume(kind: .fat16, sectors: 32_768)
        for name in ["readme.txt", "LICENSE", "Makefile", "notes.MD", "x.y"] { try volume.createFile("/" + name) }
        let entries = try volume.list("/")
        func entry(_ name: String) -> FATDirectoryEntry? { entries.first { $0.name == name } }
        XCTAssertEqual(entry("readme.txt")?.shortName, "README.TXT")
        XCTAssertEqual(entry("LICENSE")?.shortName, "LICENSE")
        XCTAssertEqual(entry("Makefile")?.shortName, "MAKEFILE", "mixed case: a long name over an exact 8.3 alias")
        XCTAssertEqual(entry("notes.MD")?.shortName, "NOTES.MD")
        XCTAssertEqual(entry("x.y")?.shortName, "X.Y")
        // Only "Makefile" needed LFN entries: 5 files, 6 slots used.
        let root = try volume.openRoot()
        var slots = 0
        try volume.scan(root) { item in
            slots = item.slot + 1
            return false
        }
        XCTAssertEqual(slots, 6)
    }

    func testShortNameAliasesAreUnique() throws {
        let (disk, volume) = try makeVolume(kind: .fat16, sectors: 32_768)
        for index in 0 ..< 30 { try volume.writeFile("/Report 2024 version \(index).docx", [UInt8(index)]) }
        try volume.writeFile("/.profile", [99])
        let entries = try volume.list("/")
        XCTAssertEqual(Set(entries.map(\.shortName)).count, 31, "every alias differs")
        XCTAssertTrue(entries.contains { $0.shortName == "REPORT~1.DOC" })
        XCTAssertTrue(entries.contains { $0.shortName == "REPORT~9.DOC" })
        XCTAssertEqual(entries.first { $0.name == ".profile" }?.shortName, "PROFIL~1")
        let again = try remount(volume, disk)
        for index in 0 ..< 30 { XCTAssertEqual(try again.readFile("/report 2024 VERSION \(index).docx"), [UInt8(index)]) }
    }

    func testInvalidNamesAreRefused() throws {
        let (_, volume) = try makeVolume(kind: .fat12, sectors: 2880)
        for bad in ["/a*b", "/a:b", "/what?", "/pipe|", "/quote\"", "/lt<", "/back\\slash", "/dot.", "/space ", "/tab\t"] {
            guard case .invalidName = fatError({ try volume.writeFile(bad, [1]) }) else { return XCTFail("\(bad) accepted") }
        }
        XCTAssertEqual(try volume.list("/"), [])
        // "." and ".." are path syntax, not names; empty components are skipped.
        try volume.makeDirectory("/a")
        try volume.writeFile("//a/./b/../c.txt", [5])
        XCTAssertEqual(try volume.readFile("/a/c.txt"), [5])
        XCTAssertEqual(try volume.readFile("a/c.txt"), [5], "the leading slash is optional")
        XCTAssertEqual(try volume.readFile("/../a/c.txt"), [5], "no way above the root")
    }
}
