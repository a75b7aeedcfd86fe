import KernelSupport

/// Physical pages for DMA and large buffers, from a bitmap kept at the top of RAM.
/// Pages are handed out from the top down while picolibc's heap grows up from the
/// kernel image, so the two meet only when memory is truly exhausted; the heap's
/// sbrk limit follows the lowest page in use.
struct PageAllocator {
    static let pageSize = 4096

    private(set) var base: UInt64 = 0
    private(set) var pageCount = 0
    private(set) var freePages = 0
    private var bitmap: UnsafeMutablePointer<UInt64>? = nil  // 1 = in use
    /// Index of the lowest page in use; pages below it belong to the heap's future.
    private(set) var lowestUsed = 0

    /// Manages [start, end) (page-rounded). The bitmap takes the last pages.
    init(start: UInt64, end: UInt64) {
        let first = (start + UInt64(PageAllocator.pageSize) - 1) & ~UInt64(PageAllocator.pageSize - 1)
        let last = end & ~UInt64(PageAllocator.pageSize - 1)
        guard last > first else { return }
        let count = Int((last - first) / UInt64(PageAllocator.pageSize))
        let words = (count + 63) / 64
        let bitmapPages = (words * 8 + PageAllocator.pageSize - 1) / PageAllocator.pageSize
        guard count > bitmapPages else { return }
        base = first
        pageCount = count
        let bitmapAddress = first + UInt64((count - bitmapPages) * PageAllocator.pageSize)
        let table = UnsafeMutablePointer<UInt64>(bitPattern: UInt(bitmapAddress))!
        for index in 0..<words { table[index] = 0 }
        bitmap = table
        freePages = count
        lowestUsed = count
        for page in (count - bitmapPages)..<count { markUsed(page) }
    }

    /// Address of the first byte the heap may not grow into.
    var heapLimit: UInt64 { base + UInt64(lowestUsed * PageAllocator.pageSize) }

    /// `pages` contiguous pages aligned to `alignmentPages`, highest first; nil if none
    /// free above the heap's current break.
    mutating func allocate(pages: Int, alignmentPages: Int = 1) -> UInt64? {
        guard pages > 0, pages <= freePages, alignmentPages > 0 else { return nil }
        let heapBreak = UInt64(lumen_heap_break())
        let floor = heapBreak > base ? Int((heapBreak - base + UInt64(PageAllocator.pageSize) - 1) / UInt64(PageAllocator.pageSize)) : 0
        var candidate = pageCount - pages
        while candidate >= floor {
            let aligned = alignedDown(candidate, alignmentPages)
            if aligned < floor { return nil }
            candidate = aligned
            if let busy = lastUsed(in: candidate, count: pages) {
                candidate = busy - pages
                continue
            }
            for page in candidate..<(candidate + pages) { markUsed(page) }
            lumen_heap_set_limit(UInt(heapLimit))
            return base + UInt64(candidate * PageAllocator.pageSize)
        }
        return nil
    }

    mutating func free(_ address: UInt64, pages: Int) {
        guard address >= base, pages > 0 else { return }
        let first = Int((address - base) / UInt64(PageAllocator.pageSize))
        guard first + pages <= pageCount else { return }
        for page in first..<(first + pages) where isUsed(page) {
            bitmap![page / 64] &= ~(1 << UInt64(page % 64))
            freePages += 1
        }
        while lowestUsed < pageCount, !isUsed(lowestUsed) { lowestUsed += 1 }
        lumen_heap_set_limit(UInt(heapLimit))
    }

    func isUsed(_ page: Int) -> Bool { bitmap![page / 64] & (1 << UInt64(page % 64)) != 0 }

    private mutating func markUsed(_ page: Int) {
        guard !isUsed(page) else { return }
        bitmap![page / 64] |= 1 << UInt64(page % 64)
        freePages -= 1
        if page < lowestUsed { lowestUsed = page }
    }

    /// The highest used page in [first, first + count), if any.
    private func lastUsed(in first: Int, count: Int) -> Int? {
        var page = first + count - 1
        while page >= first {
            if isUsed(page) { return page }
            page -= 1
        }
        return nil
    }

    private func alignedDown(_ page: Int, _ alignment: Int) -> Int {
        // Alignment is of physical addresses, so align the absolute page number.
        let absolute = Int(base / UInt64(PageAllocator.pageSize)) + page
        return page - absolute % alignment
    }
}

/// RAM: the heap from the kernel image's end up, pages for DMA buffers and
/// thread stacks from the top down. Built first at boot; the platform (DMA)
/// and the threads (stacks) are handed it.
final class PhysicalMemory {
    var pages: PageAllocator
    let ramBase: UInt64
    let ramSize: UInt64
    let heapStart: UInt64

    private init(pages: PageAllocator, ramBase: UInt64, ramSize: UInt64, heapStart: UInt64) {
        self.pages = pages
        self.ramBase = ramBase
        self.ramSize = ramSize
        self.heapStart = heapStart
    }

    /// Lays out RAM after the image and starts the C heap, then makes the
    /// object (the first thing on the heap).
    static func start(ramBase: UInt64, ramSize: UInt64) -> PhysicalMemory {
        let kernelEnd = UInt64(lumen_kernel_end())
        let pages = PageAllocator(start: kernelEnd, end: ramBase + ramSize)
        lumen_heap_init(UInt(kernelEnd), UInt(pages.heapLimit))
        return PhysicalMemory(pages: pages, ramBase: ramBase, ramSize: ramSize, heapStart: kernelEnd)
    }

    var heapInUse: UInt64 { UInt64(lumen_heap_break()) - heapStart }
}
