/// The parts of a surface that changed since the last frame, as a short list of
/// rectangles, so a frame transfers and flushes only those (virtio-gpu
/// TRANSFER_TO_HOST_2D + RESOURCE_FLUSH per rectangle; ramfb needs none).
///
/// Modelled on foot's damage handling: accumulate damage cheaply while drawing,
/// then hand the list to the display once per frame. Instead of an exact region
/// (foot uses pixman) the list is bounded, because every rectangle costs the
/// display a command round trip while a few extra pixels cost almost nothing:
///
/// - each added rectangle is clipped to the surface, and dropped if empty or
///   already covered;
/// - a rectangle that overlaps or shares an edge with a listed one is merged into
///   their bounding box (repeatedly, since the box may now reach others), so
///   neighbouring dirty cells of a row become one run and consecutive dirty rows
///   one block; rectangles touching only at a corner stay apart;
/// - when the list would exceed `capacity`, the pair whose bounding box adds the
///   least area not already damaged is merged, until it fits again.
///
/// So listed rectangles never overlap or touch each other, every damaged pixel is
/// covered (the list may cover more, never less), and there are at most
/// `capacity` of them. Once the whole surface is damaged, adding is a no-op.
public struct DamageTracker {
    /// The surface size damage is clipped to.
    public private(set) var size: Size
    /// Most rectangles the list holds.
    public let capacity: Int
    /// Disjoint, non-touching, inside `(0, 0, size)`. Reserved to capacity + 1 so
    /// adding never allocates (the extra slot is the one the overflow merge frees).
    private var rects: [Rect]

    public init(size: Size, capacity: Int = 16) {
        precondition(capacity >= 1, "DamageTracker: capacity must be at least 1")
        self.size = size
        self.capacity = capacity
        rects = []
        rects.reserveCapacity(capacity + 1)
    }

    public init(width: Int, height: Int, capacity: Int = 16) {
        self.init(size: Size(width: width, height: height), capacity: capacity)
    }

    /// `(0, 0, size)`.
    public var bounds: Rect { Rect(size: size) }

    /// True when nothing changed.
    public var isEmpty: Bool { rects.isEmpty }

    /// True when the whole surface is damaged (one rectangle, the bounds): the next
    /// frame redraws everything, and further `add`s return at once.
    public var isFull: Bool { rects.count == 1 && rects[0] == bounds }

    /// Number of rectangles listed (at most `capacity`).
    public var count: Int { rects.count }

    /// The current list, without clearing it.
    public var rectangles: [Rect] { rects }

    /// Pixels the list covers: the damage plus whatever merging added. The
    /// rectangles are disjoint, so this is just the sum of their areas.
    public var totalArea: Int {
        var total = 0
        for rect in rects { total += rect.area }
        return total
    }

    /// Records that the pixels of `rect` (clipped to the surface) changed.
    public mutating func add(_ rect: Rect) {
        let clipped = rect.clamped(to: size)
        if clipped.isEmpty || isFull { return }
        // The common repeat: a cell already inside this frame's damage.
        for listed in rects where listed.contains(clipped) { return }
        rects.append(absorbingNeighbours(of: clipped))
        while rects.count > capacity { mergeCheapestPair() }
    }

    /// Records that rows `rows` of a text grid changed: cells `rowHeight` pixels
    /// high whose row 0 starts at `origin`, spanning `width` pixels (the whole
    /// surface width when nil, i.e. from `origin.x` to the right edge).
    public mutating func addRows(_ rows: Range<Int>, rowHeight: Int, width: Int? = nil, origin: Point = .zero) {
        if rows.isEmpty || rowHeight <= 0 { return }
        add(Rect(
            x: origin.x, y: origin.y + rows.lowerBound * rowHeight,
            width: width ?? (size.width - origin.x), height: rows.count * rowHeight))
    }

    /// Marks the whole surface damaged (first frame, mode change, full-screen scroll).
    public mutating func addAll() {
        rects.removeAll(keepingCapacity: true)
        let all = bounds
        if !all.isEmpty { rects.append(all) }
    }

    /// Returns the damage and clears it, for the display to flush.
    public mutating func take() -> [Rect] {
        let taken = rects
        rects = []
        rects.reserveCapacity(capacity + 1)
        return taken
    }

    /// Hands each damaged rectangle to `body`, then clears the list. Unlike `take`
    /// it allocates nothing, which suits the kernel's per-frame path.
    public mutating func drain(_ body: (Rect) -> Void) {
        for rect in rects { body(rect) }
        rects.removeAll(keepingCapacity: true)
    }

    /// Forgets all damage.
    public mutating func removeAll() {
        rects.removeAll(keepingCapacity: true)
    }

    /// Starts over for a surface of a new size (a display mode change): everything
    /// is damaged, since every pixel must be drawn anew.
    public mutating func resize(to newSize: Size) {
        size = newSize
        addAll()
    }

    // MARK: - Merging

    /// True when the two rectangles overlap or share an edge of positive length,
    /// so their bounding box is a natural single flush. Corner contact alone does
    /// not count: the box of two diagonal neighbours would be half waste.
    static func touches(_ a: Rect, _ b: Rect) -> Bool {
        let overlapX = a.minX < b.maxX && b.minX < a.maxX
        let overlapY = a.minY < b.maxY && b.minY < a.maxY
        let reachX = a.minX <= b.maxX && b.minX <= a.maxX
        let reachY = a.minY <= b.maxY && b.minY <= a.maxY
        return (overlapX && reachY) || (overlapY && reachX)
    }

    /// Removes every listed rectangle that touches `rect` and returns `rect` grown
    /// to cover them all. Growing can reach rectangles it did not touch before, so
    /// the scan restarts after each merge (the list is short).
    private mutating func absorbingNeighbours(of rect: Rect) -> Rect {
        var grown = rect
        var i = 0
        while i < rects.count {
            if Self.touches(rects[i], grown) {
                grown = grown.union(rects[i])
                rects.swapAt(i, rects.count - 1)
                rects.removeLast()
                i = 0
            } else {
                i += 1
            }
        }
        return grown
    }

    /// Merges the two rectangles whose bounding box adds the fewest pixels that
    /// were not damaged (listed rectangles are disjoint, so that is the box's area
    /// minus both areas), then lets the box absorb whatever it now touches.
    private mutating func mergeCheapestPair() {
        var bestI = 0
        var bestJ = 1
        var bestCost = Int.max
        for i in 0 ..< rects.count {
            for j in (i + 1) ..< rects.count {
                let cost = rects[i].union(rects[j]).area - rects[i].area - rects[j].area
                if cost < bestCost {
                    bestCost = cost
                    bestI = i
                    bestJ = j
                }
            }
        }
        let merged = rects[bestI].union(rects[bestJ])
        // bestJ > bestI: remove the later one first so bestI stays valid.
        rects.remove(at: bestJ)
        rects.remove(at: bestI)
        rects.append(absorbingNeighbours(of: merged))
    }
}
