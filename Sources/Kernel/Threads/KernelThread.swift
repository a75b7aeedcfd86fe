import KernelSupport
import Platform
import Scheduling

/// A kernel thread's machine side: its stack (pages from the page allocator with
/// an unmapped guard page below, so running off the end faults with a report
/// instead of overwriting the neighbour) and its body.
final class KernelThread {
    let control: ScheduledThread
    let body: () -> Void
    /// The stack's pages, guard page first (for the boot stack, the page below
    /// it, which stays mapped: `guarded` is false).
    let stackBase: UInt64
    let stackPages: Int
    let guarded: Bool
    /// Where the stack goes back to (nil for the boot stack, which is the image's).
    let memory: PhysicalMemory?

    /// The stack's usable range (for backtraces).
    var stackBottom: UInt64 { stackBase + UInt64(PageAllocator.pageSize) }
    var stackTop: UInt64 { stackBase + UInt64(stackPages * PageAllocator.pageSize) }

    init(control: ScheduledThread, stackBase: UInt64, stackPages: Int, guarded: Bool, memory: PhysicalMemory?,
         body: @escaping () -> Void) {
        self.control = control
        self.memory = memory
        self.stackBase = stackBase
        self.stackPages = stackPages
        self.guarded = guarded
        self.body = body
    }

    /// A thread with `stackKiB` of stack, ready to start at `body`; nil when
    /// memory is short.
    static func create(name: String, priority: ThreadPriority, stackKiB: Int, scheduler: Scheduler,
                       memory: PhysicalMemory, body: @escaping () -> Void) -> KernelThread? {
        let pages = (stackKiB * 1024 + PageAllocator.pageSize - 1) / PageAllocator.pageSize + 1
        guard let base = memory.pages.allocate(pages: pages) else { return nil }
        let guarded = lumen_mmu_set_page_mapped(base, 0) == 0
        let control = ScheduledThread(id: scheduler.makeID(), name: name, priority: priority)
        let thread = KernelThread(control: control, stackBase: base, stackPages: pages, guarded: guarded, memory: memory, body: body)
        control.context = lumen_thread_prepare_stack(thread.stackTop, UInt64(control.id))
        return thread
    }

    /// Gives the stack back once the thread has exited (never the running one's).
    func releaseStack() {
        guard let memory else { return }
        if guarded { _ = lumen_mmu_set_page_mapped(stackBase, 1) }
        memory.pages.free(stackBase, pages: stackPages)
    }
}
