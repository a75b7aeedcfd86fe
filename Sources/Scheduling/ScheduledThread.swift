/// What the scheduler knows of a thread. The kernel keeps the machine side (the
/// stack and the saved stack pointer in `context`); nothing here touches a CPU
/// register, so the scheduling rules run and are tested on the host.
public final class ScheduledThread {
    public enum State: Equatable, Sendable {
        /// On a run queue.
        case ready
        /// On the CPU.
        case running
        /// Waiting on a queue, or sleeping until its deadline.
        case blocked
        /// Finished; never scheduled again.
        case exited
    }

    /// Why the last wait ended.
    public enum WakeReason: Equatable, Sendable {
        case none
        /// Another thread or an interrupt woke it (a wait queue, a mutex handed over).
        case woken
        /// Its deadline passed first.
        case timedOut
        /// `Scheduler.cancel` (Ctrl-C): the wait should give up.
        case cancelled
    }

    public let id: Int
    public let name: String
    public let priority: ThreadPriority
    public internal(set) var state: State = .ready
    public internal(set) var wakeReason: WakeReason = .none
    /// When a blocked thread times out (nanoseconds on the scheduler's clock).
    public internal(set) var deadline: UInt64? = nil
    /// The queue a blocked thread waits on, if any.
    public internal(set) var waitingOn: WaitQueue? = nil
    /// Whether a wait of this thread may end with `.cancelled`.
    public internal(set) var cancellable = false
    /// A cancellation that arrived while the thread was not in a cancellable
    /// wait: its next cancellable wait returns at once.
    public internal(set) var cancelPending = false
    /// Set by the kernel while the thread runs code that shares nothing
    /// outside locks: it may then be switched away from at the end of any
    /// interrupt (preempted), not only where it blocks or yields.
    public var preemptible = false
    /// The saved stack pointer while not running; opaque to the scheduler.
    public var context: UInt64 = 0
    /// Times it was switched onto the CPU, and the CPU time it used (kept by the kernel).
    public internal(set) var switchCount: UInt64 = 0
    public var cpuNanoseconds: UInt64 = 0

    public init(id: Int, name: String, priority: ThreadPriority) {
        self.id = id
        self.name = name
        self.priority = priority
    }
}
