/// Sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4): `a` is "before" `b`
/// when the signed distance from `a` to `b` is positive, so comparisons keep
/// working across the wrap.
@inline(__always) func seqLT(_ a: UInt32, _ b: UInt32) -> Bool { Int32(bitPattern: a &- b) < 0 }
@inline(__always) func seqLE(_ a: UInt32, _ b: UInt32) -> Bool { Int32(bitPattern: a &- b) <= 0 }
@inline(__always) func seqGT(_ a: UInt32, _ b: UInt32) -> Bool { Int32(bitPattern: a &- b) > 0 }
@inline(__always) func seqGE(_ a: UInt32, _ b: UInt32) -> Bool { Int32(bitPattern: a &- b) >= 0 }
/// Distance from `a` forward to `b`, as a non-negative Int when `b` is not before `a`.
@inline(__always) func seqDistance(from a: UInt32, to b: UInt32) -> Int { Int(Int32(bitPattern: b &- a)) }
