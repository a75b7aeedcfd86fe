import XCTest
@testable import Entropy

/// "00 01 ff" / "0001ff" → bytes; whitespace and colons are ignored so vectors can
/// be pasted as the RFC prints them.
func hex(_ text: String) -> [UInt8] {
    let digits = text.unicodeScalars.filter { !" \n\t:".unicodeScalars.contains($0) }.map { Character($0) }
    precondition(digits.count % 2 == 0, "odd number of hex digits")
    var bytes: [UInt8] = []
    var i = 0
    while i < digits.count {
        bytes.append(UInt8(String(digits[i...i + 1]), radix: 16)!)
        i += 2
    }
    return bytes
}

/// The block function through the public one-shot API.
func chachaBlock(key: [UInt8], counter: UInt32, nonce: [UInt8]) -> [UInt8] {
    var out = [UInt8](repeating: 0xAA, count: 64)
    key.withUnsafeBytes { k in
        nonce.withUnsafeBytes { n in
            out.withUnsafeMutableBytes { o in ChaCha20.block(key: k, counter: counter, nonce: n, into: o) }
        }
    }
    return out
}

func chachaApply(key: [UInt8], counter: UInt32, nonce: [UInt8], _ data: [UInt8]) -> [UInt8] {
    var out = data
    key.withUnsafeBytes { k in
        nonce.withUnsafeBytes { n in
            out.withUnsafeMutableBytes { ChaCha20(key: k, nonce: n).apply(counter: counter, to: $0) }
        }
    }
    return out
}

func chachaKeystream(key: [UInt8], counter: UInt32, nonce: [UInt8], count: Int) -> [UInt8] {
    var out = [UInt8](repeating: 0x55, count: count)
    key.withUnsafeBytes { k in
        nonce.withUnsafeBytes { n in
            out.withUnsafeMutableBytes { ChaCha20(key: k, nonce: n).keystream(counter: counter, into: $0) }
        }
    }
    return out
}

final class ChaCha20Tests: XCTestCase {
    let rfcKey = hex("""
        00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:
        10:11:12:13:14:15:16:17:18:19:1a:1b:1c:1d:1e:1f
        """)

    /// RFC 8439 §2.3.2: the block function test vector.
    func testBlockFunctionRFC8439Section2_3_2() {
        let nonce = hex("00:00:00:09:00:00:00:4a:00:00:00:00")
        let expected = hex("""
            10 f1 e7 e4 d1 3b 59 15 50 0f dd 1f a3 20 71 c4
            c7 d1 f4 c7 33 c0 68 03 04 22 aa 9a c3 d4 6c 4e
            d2 82 64 46 07 9f aa 09 14 c2 d7 05 d9 8b 02 a2
            b5 12 9c d1 de 16 4e b9 cb d0 83 e8 a2 50 3c 4e
            """)
        XCTAssertEqual(chachaBlock(key: rfcKey, counter: 1, nonce: nonce), expected)
    }

    /// RFC 8439 §2.4.2: encrypting the "sunscreen" plaintext, 114 bytes (one
    /// partial block at the end), and decrypting it back.
    func testEncryptionRFC8439Section2_4_2() {
        let nonce = hex("00:00:00:00:00:00:00:4a:00:00:00:00")
        let plaintext = Array("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.".utf8)
        let expected = hex("""
            6e 2e 35 9a 25 68 f9 80 41 ba 07 28 dd 0d 69 81
            e9 7e 7a ec 1d 43 60 c2 0a 27 af cc fd 9f ae 0b
            f9 1b 65 c5 52 47 33 ab 8f 59 3d ab cd 62 b3 57
            16 39 d6 24 e6 51 52 ab 8f 53 0c 35 9f 08 61 d8
            07 ca 0d bf 50 0d 6a 61 56 a3 8e 08 8a 22 b6 5e
            52 bc 51 4d 16 cc f8 06 81 8c e9 1a b7 79 37 36
            5a f9 0b bf 74 a3 5b e6 b4 0b 8e ed f2 78 5e 42
            87 4d
            """)
        XCTAssertEqual(plaintext.count, 114)
        let ciphertext = chachaApply(key: rfcKey, counter: 1, nonce: nonce, plaintext)
        XCTAssertEqual(ciphertext, expected)
        XCTAssertEqual(chachaApply(key: rfcKey, counter: 1, nonce: nonce, ciphertext), plaintext)
    }

    /// RFC 8439 Appendix A.1: block function test vectors #1–#5.
    func testBlockFunctionRFC8439AppendixA1() {
        let zeroKey = [UInt8](repeating: 0, count: 32)
        let zeroNonce = [UInt8](repeating: 0, count: 12)
        let cases: [(key: [UInt8], counter: UInt32, nonce: [UInt8], block: String)] = [
            (zeroKey, 0, zeroNonce, """
                76 b8 e0 ad a0 f1 3d 90 40 5d 6a e5 53 86 bd 28
                bd d2 19 b8 a0 8d ed 1a a8 36 ef cc 8b 77 0d c7
                da 41 59 7c 51 57 48 8d 77 24 e0 3f b8 d8 4a 37
                6a 43 b8 f4 15 18 a1 1c c3 87 b6 69 b2 ee 65 86
                """),
            (zeroKey, 1, zeroNonce, """
                9f 07 e7 be 55 51 38 7a 98 ba 97 7c 73 2d 08 0d
                cb 0f 29 a0 48 e3 65 69 12 c6 53 3e 32 ee 7a ed
                29 b7 21 76 9c e6 4e 43 d5 71 33 b0 74 d8 39 d5
                31 ed 1f 28 51 0a fb 45 ac e1 0a 1f 4b 79 4d 6f
                """),
            (hex("00000000000000000000000000000000 00000000000000000000000000000001"), 1, zeroNonce, """
                3a eb 52 24 ec f8 49 92 9b 9d 82 8d b1 ce d4 dd
                83 20 25 e8 01 8b 81 60 b8 22 84 f3 c9 49 aa 5a
                8e ca 00 bb b4 a7 3b da d1 92 b5 c4 2f 73 f2 fd
                4e 27 36 44 c8 b3 61 25 a6 4a dd eb 00 6c 13 a0
                """),
            (hex("00ff0000000000000000000000000000 00000000000000000000000000000000"), 2, zeroNonce, """
                72 d5 4d fb f1 2e c4 4b 36 26 92 df 94 13 7f 32
                8f ea 8d a7 39 90 26 5e c1 bb be a1 ae 9a f0 ca
                13 b2 5a a2 6c b4 a6 48 cb 9b 9d 1b e6 5b 2c 09
                24 a6 6c 54 d5 45 ec 1b 73 74 f4 87 2e 99 f0 96
                """),
            (zeroKey, 0, hex("00 00 00 00 00 00 00 00 00 00 00 02"), """
                c2 c6 4d 37 8c d5 36 37 4a e2 04 b9 ef 93 3f cd
                1a 8b 22 88 b3 df a4 96 72 ab 76 5b 54 ee 27 c7
                8a 97 0e 0e 95 5c 14 f3 a8 8e 74 1b 97 c2 86 f7
                5f 8f c2 99 e8 14 83 62 fa 19 8a 39 53 1b ed 6d
                """),
        ]
        for (index, c) in cases.enumerated() {
            XCTAssertEqual(chachaBlock(key: c.key, counter: c.counter, nonce: c.nonce), hex(c.block),
                           "Appendix A.1 test vector #\(index + 1)")
        }
    }

    /// The multi-block paths (`keystream`, `apply`) agree with the block function
    /// for every length around block boundaries, including the partial tail.
    func testKeystreamAndApplyMatchBlockFunction() {
        let nonce = hex("000000090000004a00000000")
        var reference: [UInt8] = []
        for counter: UInt32 in 7..<12 { reference += chachaBlock(key: rfcKey, counter: counter, nonce: nonce) }
        for length in [0, 1, 31, 63, 64, 65, 127, 128, 129, 200, 320] {
            let stream = chachaKeystream(key: rfcKey, counter: 7, nonce: nonce, count: length)
            XCTAssertEqual(stream, Array(reference[0..<length]), "keystream length \(length)")
            let data = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37) }
            let encrypted = chachaApply(key: rfcKey, counter: 7, nonce: nonce, data)
            XCTAssertEqual(encrypted, zip(data, reference).map { $0 ^ $1 }, "apply length \(length)")
        }
    }

    /// Output buffers need not be aligned.
    func testUnalignedOutput() {
        let nonce = hex("000000090000004a00000000")
        let expected = chachaBlock(key: rfcKey, counter: 1, nonce: nonce)
        var storage = [UInt8](repeating: 0, count: 64 + 3)
        rfcKey.withUnsafeBytes { k in
            nonce.withUnsafeBytes { n in
                storage.withUnsafeMutableBytes { s in
                    ChaCha20(key: k, nonce: n).block(counter: 1, into: UnsafeMutableRawBufferPointer(rebasing: s[3...]))
                }
            }
        }
        XCTAssertEqual(Array(storage[3...]), expected)
    }

    /// Raw cipher speed, for comparison with the pool's; prints, asserts nothing.
    func testKeystreamThroughput() {
        let nonce = [UInt8](repeating: 0, count: 12)
        var out = [UInt8](repeating: 0, count: 4 << 20)
        let start = ContinuousClock.now
        rfcKey.withUnsafeBytes { k in
            nonce.withUnsafeBytes { n in
                out.withUnsafeMutableBytes { ChaCha20(key: k, nonce: n).keystream(counter: 0, into: $0) }
            }
        }
        let seconds = secondsSince(start)
        print("ChaCha20 keystream: 4 MiB in \(milliseconds(seconds)) ms = \(megabytesPerSecond(4 << 20, seconds)) MB/s")
        XCTAssertTrue(out.suffix(64).contains { $0 != 0 }, "keystream reached the end of the buffer")
    }
}

func secondsSince(_ start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

func milliseconds(_ seconds: Double) -> String { String(Int((seconds * 1000).rounded())) }

func megabytesPerSecond(_ bytes: Int, _ seconds: Double) -> String {
    String(Int((Double(bytes) / 1e6 / max(seconds, 1e-9)).rounded()))
}
