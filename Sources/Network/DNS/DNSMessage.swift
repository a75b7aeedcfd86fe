/// The parts of DNS (RFC 1035) an A-record stub resolver needs: building a query
/// and reading a response's answers. Names are handled as lower-cased ASCII bytes
/// with dots; compression pointers are followed with a jump limit and bounds
/// checks so a hostile or broken packet cannot loop or read outside itself.

import Wire
public enum DNSMessage {
    public static let port: UInt16 = 53
    static let typeA: UInt16 = 1
    static let typeCNAME: UInt16 = 5
    static let classIN: UInt16 = 1
    static let maximumNameLength = 255
    static let maximumPointerJumps = 16
    static let maximumRecords = 64

    public struct Record: Equatable {
        public var name: [UInt8]
        public var type: UInt16
        public var ttl: UInt32
        /// The address of an A record.
        public var address: IPv4Address?
        /// The target of a CNAME record.
        public var canonicalName: [UInt8]?
    }

    public struct Response: Equatable {
        public var identifier: UInt16
        public var rcode: UInt8
        public var truncated: Bool
        public var questionName: [UInt8]?
        public var answers: [Record]
    }

    public enum ParseError: Error, Equatable {
        case truncated, notAResponse, badName
        public var message: String {
            switch self {
            case .truncated: return "DNS message truncated"
            case .notAResponse: return "DNS message is not a response"
            case .badName: return "DNS name malformed (bad label, pointer loop or out of bounds)"
            }
        }
    }

    /// Labels of a textual host name, lower-cased; nil when it is not a valid name.
    public static func normalizedName(_ text: String) -> [UInt8]? {
        var name = Array(text.utf8)
        if name.last == UInt8(ascii: ".") { name.removeLast() }
        guard !name.isEmpty, name.count <= 253 else { return nil }
        var labelLength = 0
        for index in name.indices {
            let byte = name[index]
            if byte == UInt8(ascii: ".") {
                guard labelLength > 0 else { return nil }
                labelLength = 0
                continue
            }
            guard byte > 0x20, byte < 0x7F else { return nil }
            if byte >= 0x41 && byte <= 0x5A { name[index] = byte + 0x20 }
            labelLength += 1
            guard labelLength <= 63 else { return nil }
        }
        return labelLength > 0 ? name : nil
    }

    /// A recursive-desired query for the A record of `name` (from `normalizedName`).
    public static func query(identifier: UInt16, name: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.appendBigEndian(identifier)
        out.appendBigEndian(UInt16(0x0100))   // RD
        out.appendBigEndian(UInt16(1))
        out.appendBigEndian(UInt16(0))
        out.appendBigEndian(UInt16(0))
        out.appendBigEndian(UInt16(0))
        var start = 0
        for index in 0 ... name.count where index == name.count || name[index] == UInt8(ascii: ".") {
            out.append(UInt8(truncatingIfNeeded: index - start))
            out += name[start ..< index]
            start = index + 1
        }
        out.append(0)
        out.appendBigEndian(typeA)
        out.appendBigEndian(classIN)
        return out
    }

    /// Reads the (possibly compressed) name at `offset`; returns it and the offset just past it in place.
    static func readName(_ message: UnsafeRawBufferPointer, at offset: Int) throws(ParseError) -> (name: [UInt8], next: Int) {
        var name: [UInt8] = []
        var position = offset
        var next: Int?
        var jumps = 0
        while true {
            guard position >= 0, position < message.count else { throw .badName }
            let length = message[position]
            if length == 0 {
                return (name, next ?? position + 1)
            }
            switch length & 0xC0 {
            case 0xC0:
                guard position + 1 < message.count else { throw .badName }
                jumps += 1
                guard jumps <= maximumPointerJumps else { throw .badName }
                if next == nil { next = position + 2 }
                position = Int(length & 0x3F) << 8 | Int(message[position + 1])
            case 0:
                let count = Int(length)
                guard position + 1 + count <= message.count else { throw .badName }
                if !name.isEmpty { name.append(UInt8(ascii: ".")) }
                for index in position + 1 ... position + count {
                    let byte = message[index]
                    name.append(byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte)
                }
                guard name.count <= maximumNameLength else { throw .badName }
                position += 1 + count
            default:
                throw .badName   // 0x40 / 0x80: extended label types, not used
            }
        }
    }

    public static func parse(_ message: UnsafeRawBufferPointer) throws(ParseError) -> Response {
        guard message.count >= 12, let identifier = message.bigEndianUInt16(at: 0), let flags = message.bigEndianUInt16(at: 2),
              let questions = message.bigEndianUInt16(at: 4), let answers = message.bigEndianUInt16(at: 6) else {
            throw .truncated
        }
        guard flags & 0x8000 != 0 else { throw .notAResponse }
        var response = Response(identifier: identifier, rcode: UInt8(flags & 0x000F), truncated: flags & 0x0200 != 0,
                                questionName: nil, answers: [])
        var offset = 12
        for index in 0 ..< min(Int(questions), maximumRecords) {
            let (name, next) = try readName(message, at: offset)
            if index == 0 { response.questionName = name }
            offset = next + 4
            guard offset <= message.count else { throw .truncated }
        }
        for _ in 0 ..< min(Int(answers), maximumRecords) {
            let (name, next) = try readName(message, at: offset)
            guard let type = message.bigEndianUInt16(at: next), let recordClass = message.bigEndianUInt16(at: next + 2),
                  let ttl = message.bigEndianUInt32(at: next + 4), let length = message.bigEndianUInt16(at: next + 8) else {
                throw .truncated
            }
            let data = next + 10
            guard data + Int(length) <= message.count else { throw .truncated }
            offset = data + Int(length)
            guard recordClass == classIN else { continue }
            // A TTL with the top bit set is treated as 0 (RFC 2181 8).
            var record = Record(name: name, type: type, ttl: ttl & 0x8000_0000 != 0 ? 0 : ttl, address: nil, canonicalName: nil)
            if type == typeA {
                guard length == 4, let raw = message.bigEndianUInt32(at: data) else { continue }
                record.address = IPv4Address(raw)
            } else if type == typeCNAME {
                let (target, _) = try readName(message, at: data)
                record.canonicalName = target
            } else {
                continue
            }
            response.answers.append(record)
        }
        return response
    }

    /// Follows CNAMEs from `name` within the answers; the A addresses found and the smallest TTL on the way.
    public static func resolve(_ name: [UInt8], in answers: [Record]) -> (addresses: [IPv4Address], ttl: UInt32) {
        var current = name
        var ttl = UInt32.max
        for _ in 0 ..< 8 {
            var addresses: [IPv4Address] = []
            for record in answers where record.type == typeA && record.name == current {
                if let address = record.address { addresses.append(address) }
                ttl = min(ttl, record.ttl)
            }
            if !addresses.isEmpty { return (addresses, ttl) }
            guard let alias = answers.first(where: { $0.type == typeCNAME && $0.name == current }),
                  let target = alias.canonicalName else { break }
            ttl = min(ttl, alias.ttl)
            current = target
        }
        return ([], 0)
    }
}
