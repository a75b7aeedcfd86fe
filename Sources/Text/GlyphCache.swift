import CFreeType

/// A rendered glyph as the cache hands it out: an 8-bit coverage bitmap
/// (0 = background, 255 = ink) placed relative to the pen (the cell's left edge)
/// and the baseline.
public struct Glyph {
    public enum Kind: UInt8, Sendable {
        /// Nothing to draw (a space, or ink wholly outside the cell box).
        case blank
        /// `coverage` holds `width × height` bytes.
        case bitmap
        /// No face has a glyph for the code point (or it could not be rendered):
        /// draw a replacement box (`CellPainter.drawReplacementBox`) instead of
        /// FreeType's `.notdef`.
        case missing
    }

    public var kind: Kind
    /// Columns from the pen to the bitmap's first column (may be negative).
    public var left: Int
    /// Rows from the bitmap's first row down to the baseline (FreeType's
    /// `bitmap_top`): the bitmap starts at row `baseline - top` of the cell.
    public var top: Int
    public var width: Int
    public var height: Int
    /// The horizontal advance in whole pixels.
    public var advance: Int
    /// `height` rows of `width` bytes, pitch `width`; nil unless `kind == .bitmap`.
    /// Points into the cache's arena: valid only until the next call that may
    /// render a glyph (any lookup, `prerenderASCII`, `setPixelSize`, `removeAll`).
    public var coverage: UnsafePointer<UInt8>?
}

/// Counters for tuning and tests.
public struct GlyphCacheStatistics: Hashable, Sendable {
    /// Lookups answered from the cache.
    public var hits = 0
    /// Lookups that rendered (or found missing) a glyph with FreeType.
    public var misses = 0
    /// Times the cache was emptied to make room.
    public var evictions = 0
    /// Glyphs dropped by those evictions.
    public var evictedGlyphs = 0

    public init() {}
}

/// Rendered glyphs keyed by (code point, style, pixel size).
///
/// Storage, all allocated up front or grown rarely, so a lookup allocates nothing:
/// - an open-addressing hash table (linear probing, at most half full) of packed
///   `UInt64` keys `codePoint | style << 21 | pixelSize << 24` (never 0, the empty
///   mark, because sizes start at 4), each pointing at an entry;
/// - a fixed array of `maxGlyphs` entries (placement, advance, arena offset);
/// - one arena of coverage bytes, grown by doubling (realloc) up to
///   `byteBudget`, holding every bitmap back to back with pitch = width.
///
/// Bitmaps are cropped on the way in to the box a cell painter can ever show
/// (one cell to the left, two to the right of the pen; the cell's rows), so a
/// glyph costs at most 3 × cell width × cell height bytes. A budget below one
/// such glyph still works: the arena grows to fit the glyph being added.
///
/// Eviction is clear-on-full: when the entries or the arena budget run out, the
/// whole cache is emptied and refills on demand. It needs no bookkeeping on a hit
/// (LRU would write on every lookup), keeps the arena compact with no
/// fragmentation, and a console's working set (ASCII in all four styles is
/// 34 KiB at 16 px; add a few hundred symbols) sits far below the default
/// 512 KiB, so clears are rare; after one, a frame re-renders just what it shows.
///
/// Rendering: `FT_Load_Glyph(..., FT_LOAD_RENDER | hinting.loadFlags)`: the
/// font's own TrueType hints by default, run by the library's interpreter (v35:
/// whole-pixel stems in both directions, see `TrueTypeInterpreter` and
/// `GlyphHinting`), rasterised to 8-bit anti-aliased coverage by the smooth
/// renderer; 1-bit bitmaps are expanded; other pixel modes count as missing.
/// A code point the requested style's face lacks is taken from the regular face
/// when that has it; when none has it (glyph index 0) the glyph is `.missing`.
/// Code point 0 is blank (erased terminal cells); code points above U+10FFFF and
/// surrogates are missing.
public final class GlyphCache {
    public struct Configuration: Sendable {
        /// Most bytes of coverage bitmaps kept (the arena's size limit; at most 1 GiB).
        public var byteBudget: Int
        /// Most glyphs kept (sizes the hash table: 2 × this, rounded up to a power of 2).
        public var maxGlyphs: Int
        public var hinting: GlyphHinting

        public init(byteBudget: Int = 512 * 1024, maxGlyphs: Int = 2048, hinting: GlyphHinting = .native) {
            self.byteBudget = byteBudget
            self.maxGlyphs = maxGlyphs
            self.hinting = hinting
        }
    }

    public let fonts: FontSet
    public let configuration: Configuration
    /// The metrics of the current pixel size (regular face).
    public private(set) var metrics: CellMetrics
    public private(set) var statistics = GlyphCacheStatistics()

    private struct Entry {
        var offset: Int32
        var width: UInt16
        var height: UInt16
        var left: Int16
        var top: Int16
        var advance: Int16
        var kind: Glyph.Kind
    }

    private let maxGlyphs: Int
    private let tableMask: Int
    private let hashShift: UInt64
    private let keys: UnsafeMutablePointer<UInt64>
    private let slots: UnsafeMutablePointer<Int32>
    private let entries: UnsafeMutablePointer<Entry>
    private var entryCount = 0
    private var arena: UnsafeMutablePointer<UInt8>? = nil
    private var capacity = 0
    private var used = 0
    private let loadFlags: FT_Int32
    private let byteBudget: Int

    /// A cache for `fonts` at `pixelSize` (whose metrics it computes).
    public init(fonts: FontSet, pixelSize: Int, configuration: Configuration = Configuration()) throws(FontError) {
        metrics = try CellMetrics(face: fonts.regular, pixelSize: pixelSize, hinting: configuration.hinting)
        self.fonts = fonts
        self.configuration = configuration
        loadFlags = configuration.hinting.loadFlags | FT_Int32(FT_LOAD_RENDER)
        maxGlyphs = min(max(configuration.maxGlyphs, 1), 1 << 24)
        var tableSize = 16
        var bits: UInt64 = 4
        while tableSize < 2 * maxGlyphs {
            tableSize *= 2
            bits += 1
        }
        tableMask = tableSize - 1
        hashShift = 64 - bits
        keys = .allocate(capacity: tableSize)
        keys.initialize(repeating: 0, count: tableSize)
        slots = .allocate(capacity: tableSize)
        slots.initialize(repeating: 0, count: tableSize)
        entries = .allocate(capacity: maxGlyphs)
        byteBudget = min(max(configuration.byteBudget, 0), 1 << 30)  // offsets are Int32
        let initial = min(byteBudget, 16 * 1024)
        if initial > 0, let memory = malloc(initial) {
            arena = memory.bindMemory(to: UInt8.self, capacity: initial)
            capacity = initial
        }
    }

    deinit {
        keys.deallocate()
        slots.deallocate()
        entries.deallocate()
        free(arena)
    }

    /// The current pixel size (pixels per em).
    public var pixelSize: Int { metrics.pixelSize }
    /// Glyphs cached (all sizes).
    public var count: Int { entryCount }
    /// Bytes of the arena holding bitmaps.
    public var bytesUsed: Int { used }
    /// The arena's current size (≤ the budget unless one glyph needed more).
    public var arenaCapacity: Int { capacity }

    /// Switches to `size`: new metrics; glyphs of other sizes stay cached (the
    /// size is part of the key) until evicted. Throws, changing nothing, for a
    /// size out of range or one FreeType refuses.
    public func setPixelSize(_ size: Int) throws(FontError) {
        if size == metrics.pixelSize { return }
        metrics = try CellMetrics(face: fonts.regular, pixelSize: size, hinting: configuration.hinting)
    }

    /// The glyph for `codePoint` in `style` at the current size, rendering it on a
    /// miss. Never fails: unrenderable input gives a `.missing` glyph.
    public func glyph(for codePoint: UInt32, style: FontStyle = .regular) -> Glyph {
        if codePoint > 0x10_FFFF || (codePoint >= 0xD800 && codePoint <= 0xDFFF) {
            return Glyph(kind: .missing, left: 0, top: 0, width: 0, height: 0, advance: metrics.width, coverage: nil)
        }
        let key = Self.key(codePoint, style, metrics.pixelSize)
        var slot = home(key)
        while true {
            let probe = keys[slot]
            if probe == key {
                statistics.hits += 1
                return view(entries[Int(slots[slot])])
            }
            if probe == 0 { break }
            slot = (slot + 1) & tableMask
        }
        statistics.misses += 1
        return view(insert(key: key, codePoint: codePoint, style: style))
    }

    /// True when the glyph is cached at the current size (no counters change).
    public func contains(_ codePoint: UInt32, style: FontStyle = .regular) -> Bool {
        if codePoint > 0x10_FFFF { return false }
        let key = Self.key(codePoint, style, metrics.pixelSize)
        var slot = home(key)
        while keys[slot] != 0 {
            if keys[slot] == key { return true }
            slot = (slot + 1) & tableMask
        }
        return false
    }

    /// Renders printable ASCII (U+0020 … U+007E) in `style` at the current size
    /// ahead of use (counted as lookups in `statistics`).
    public func prerenderASCII(style: FontStyle = .regular) {
        for codePoint: UInt32 in 0x20 ... 0x7E { _ = glyph(for: codePoint, style: style) }
    }

    /// Forgets every glyph (the arena keeps its size). Not counted as an eviction.
    public func removeAll() {
        keys.update(repeating: 0, count: tableMask + 1)
        entryCount = 0
        used = 0
    }

    // MARK: - Table

    @inline(__always)
    static func key(_ codePoint: UInt32, _ style: FontStyle, _ size: Int) -> UInt64 {
        UInt64(codePoint) | UInt64(style.rawValue) << 21 | UInt64(truncatingIfNeeded: size) << 24
    }

    @inline(__always)
    private func home(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> hashShift)
    }

    @inline(__always)
    private func view(_ entry: Entry) -> Glyph {
        var coverage: UnsafePointer<UInt8>? = nil
        if entry.kind == .bitmap, let arena { coverage = UnsafePointer(arena + Int(entry.offset)) }
        return Glyph(
            kind: entry.kind, left: Int(entry.left), top: Int(entry.top),
            width: Int(entry.width), height: Int(entry.height), advance: Int(entry.advance),
            coverage: coverage)
    }

    private func evict() {
        statistics.evictions += 1
        statistics.evictedGlyphs += entryCount
        removeAll()
    }

    /// Renders the glyph, stores it and files it under `key` (known absent).
    private func insert(key: UInt64, codePoint: UInt32, style: FontStyle) -> Entry {
        if entryCount >= maxGlyphs { evict() }
        let entry = render(codePoint, style: style)
        var slot = home(key)
        while keys[slot] != 0 { slot = (slot + 1) & tableMask }
        keys[slot] = key
        slots[slot] = Int32(entryCount)
        entries[entryCount] = entry
        entryCount += 1
        return entry
    }

    /// An arena offset with room for `bytes`, growing or emptying the cache as
    /// needed; nil only when memory runs out.
    private func reserve(_ bytes: Int) -> Int? {
        if used + bytes <= capacity { return take(bytes) }
        let limit = max(byteBudget, bytes)
        if capacity < limit {
            var grown = max(capacity * 2, 4096)
            while grown < used + bytes { grown *= 2 }
            grown = min(grown, limit)
            if used + bytes <= grown && grow(to: grown) { return take(bytes) }
        }
        evict()
        if bytes <= capacity || grow(to: bytes) { return take(bytes) }
        return nil
    }

    @inline(__always)
    private func take(_ bytes: Int) -> Int {
        let offset = used
        used += bytes
        return offset
    }

    private func grow(to newCapacity: Int) -> Bool {
        guard let memory = realloc(arena, newCapacity) else { return false }
        arena = memory.bindMemory(to: UInt8.self, capacity: newCapacity)
        capacity = newCapacity
        return true
    }

    // MARK: - Rendering

    private func missing() -> Entry {
        Entry(offset: 0, width: 0, height: 0, left: 0, top: 0,
              advance: Int16(truncatingIfNeeded: metrics.width), kind: .missing)
    }

    private func blank(advance: Int) -> Entry {
        Entry(offset: 0, width: 0, height: 0, left: 0, top: 0,
              advance: Int16(truncatingIfNeeded: advance), kind: .blank)
    }

    private func render(_ codePoint: UInt32, style: FontStyle) -> Entry {
        if codePoint == 0 { return blank(advance: metrics.width) }
        var face = fonts.face(for: style)
        var index = face.glyphIndex(for: codePoint)
        if index == 0 && face !== fonts.regular {
            face = fonts.regular
            index = face.glyphIndex(for: codePoint)
        }
        if index == 0 { return missing() }
        do {
            try face.setPixelSize(metrics.pixelSize)
        } catch {
            return missing()
        }
        let ft = face.handle
        guard FT_Load_Glyph(ft, FT_UInt(index), loadFlags) == 0, let slot = ft.pointee.glyph,
              slot.pointee.format == FT_GLYPH_FORMAT_BITMAP else { return missing() }
        let bitmap = slot.pointee.bitmap
        let mono = bitmap.pixel_mode == UInt8(FT_PIXEL_MODE_MONO.rawValue)
        guard mono || bitmap.pixel_mode == UInt8(FT_PIXEL_MODE_GRAY.rawValue) else { return missing() }
        let advance = CellMetrics.roundPixels(Int(slot.pointee.advance.x))

        // Crop to what a painter can show: x in [-w, 2w) from the pen, the cell's rows.
        let cellWidth = metrics.width
        let left = Int(slot.pointee.bitmap_left)
        let top = Int(slot.pointee.bitmap_top)
        let columns = Int(bitmap.width)
        let rows = Int(bitmap.rows)
        let c0 = max(0, -cellWidth - left)
        let c1 = min(columns, 2 * cellWidth - left)
        let r0 = max(0, top - metrics.baseline)
        let r1 = min(rows, top + metrics.height - metrics.baseline)
        guard let buffer = bitmap.buffer, c1 > c0, r1 > r0 else { return blank(advance: advance) }
        let width = c1 - c0
        let height = r1 - r0
        guard let offset = reserve(width * height), let arena else { return missing() }

        let pitch = Int(bitmap.pitch)
        // With a negative pitch (upward flow) the top row is the last in memory.
        let topRow = UnsafePointer(buffer) + (pitch < 0 ? -pitch * (rows - 1) : 0)
        var target = arena + offset
        for r in r0 ..< r1 {
            let source = topRow + r * pitch
            if mono {
                for c in c0 ..< c1 {
                    let bit = source[c >> 3] & (0x80 >> UInt8(c & 7))
                    target[c - c0] = bit != 0 ? 255 : 0
                }
            } else {
                target.update(from: source + c0, count: width)
            }
            target += width
        }
        return Entry(
            offset: Int32(truncatingIfNeeded: offset),
            width: UInt16(truncatingIfNeeded: width), height: UInt16(truncatingIfNeeded: height),
            left: Int16(truncatingIfNeeded: left + c0), top: Int16(truncatingIfNeeded: top - r0),
            advance: Int16(truncatingIfNeeded: advance), kind: .bitmap)
    }
}
