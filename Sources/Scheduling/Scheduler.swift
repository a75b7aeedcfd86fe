/// The scheduling rules, apart from the context switch: run queues by priority
/// (first in, first out within one), wait queues, deadlines, mutex hand-over and
/// cancellation. The kernel calls these with interrupts masked and performs the
/// switch `switchToNext` decides.
///
/// The highest-priority ready thread runs; a thread keeps the CPU until it
/// blocks, yields, exits, or a thread of higher priority becomes ready
/// (`shouldPreempt`). Threads of one priority take turns when they yield.
public final class Scheduler {
    public private(set) var current: ScheduledThread
    private var ready: [[ScheduledThread]]
    /// Blocked threads with a deadline, earliest first.
    private var sleepers: [ScheduledThread] = []
    public private(set) var threads: [ScheduledThread] = []
    public private(set) var switches: UInt64 = 0
    private var nextID = 1

    /// `running` is the thread that is on the CPU now (the boot context).
    public init(running: ScheduledThread) {
        ready = Array(repeating: [], count: ThreadPriority.levels)
        current = running
        reserveQueues(for: 32)
        running.state = .running
        threads.append(running)
    }

    /// A fresh thread ID for `ScheduledThread.init`.
    public func makeID() -> Int {
        nextID += 1
        return nextID
    }

    /// Room in every run queue for every thread: waking (from an interrupt,
    /// in the kernel) then never allocates.
    private func reserveQueues(for count: Int) {
        for level in ready.indices where ready[level].capacity < count { ready[level].reserveCapacity(count * 2) }
        if sleepers.capacity < count { sleepers.reserveCapacity(count * 2) }
    }

    /// A new thread joins the ready threads.
    public func add(_ thread: ScheduledThread) {
        threads.append(thread)
        reserveQueues(for: threads.count + 1)
        thread.state = .blocked
        makeReady(thread, reason: .none)
    }

    /// The priority of the best ready thread, if any.
    public var highestReady: ThreadPriority? {
        for level in stride(from: ThreadPriority.levels - 1, through: 0, by: -1) where !ready[level].isEmpty {
            return ThreadPriority(level: level)
        }
        return nil
    }

    /// A ready thread outranks the one running.
    public var shouldPreempt: Bool {
        guard let best = highestReady else { return false }
        return best > current.priority
    }

    public var readyCount: Int { ready.reduce(0) { $0 + $1.count } }

    // MARK: - Switching

    /// Picks the thread to run next and makes it current. A running thread stays
    /// unless a better one is ready (or `yielding` and one of equal priority is);
    /// a blocked or exited one always gives the CPU up. Returns the new current
    /// thread (the same one when no switch is due).
    @discardableResult
    public func switchToNext(yielding: Bool = false) -> ScheduledThread {
        let previous = current
        if previous.state == .running {
            guard let best = highestReady,
                  best > previous.priority || (yielding && best == previous.priority) else { return previous }
            previous.state = .ready
            ready[previous.priority.level].append(previous)
        }
        guard let best = highestReady else {
            // Nothing else can run: only possible when the caller blocked the last
            // thread (the kernel's idle thread is always ready, so never there).
            return previous
        }
        let next = ready[best.level].removeFirst()
        next.state = .running
        next.switchCount &+= 1
        if next !== previous { switches &+= 1 }
        current = next
        return next
    }

    /// The current thread ends; the caller switches away and never back.
    public func exitCurrent() {
        current.state = .exited
        threads.removeAll { $0 === current }
    }

    // MARK: - Waiting

    /// The current thread stops running until `queue` wakes it, `deadline`
    /// passes, or (when `cancellable`) it is cancelled. Returns false, without
    /// blocking, when a cancellation is already pending for a cancellable wait.
    /// The caller then switches away; the reason is in `wakeReason` afterwards.
    @discardableResult
    public func block(on queue: WaitQueue?, until deadline: UInt64? = nil, cancellable: Bool = false) -> Bool {
        let thread = current
        if cancellable && thread.cancelPending {
            thread.cancelPending = false
            thread.wakeReason = .cancelled
            return false
        }
        thread.state = .blocked
        thread.wakeReason = .none
        thread.cancellable = cancellable
        thread.waitingOn = queue
        queue?.waiters.append(thread)
        if let deadline {
            thread.deadline = deadline
            var index = sleepers.count
            while index > 0, let other = sleepers[index - 1].deadline, other > deadline { index -= 1 }
            sleepers.insert(thread, at: index)
        }
        return true
    }

    /// Wakes the first waiter of `queue`; returns it.
    @discardableResult
    public func wakeOne(_ queue: WaitQueue) -> ScheduledThread? {
        guard !queue.waiters.isEmpty else { return nil }
        let thread = queue.waiters[0]
        makeReady(thread, reason: .woken)
        return thread
    }

    /// Wakes every waiter of `queue`; returns how many.
    @discardableResult
    public func wakeAll(_ queue: WaitQueue) -> Int {
        let count = queue.waiters.count
        while let thread = queue.waiters.first { makeReady(thread, reason: .woken) }
        return count
    }

    /// Ctrl-C for `thread`: a cancellable wait ends at once with `.cancelled`;
    /// otherwise the next cancellable wait does (`clearCancel` forgets it).
    public func cancel(_ thread: ScheduledThread) {
        if thread.state == .blocked && thread.cancellable {
            makeReady(thread, reason: .cancelled)
        } else if thread.state != .exited {
            thread.cancelPending = true
        }
    }

    public func clearCancel(_ thread: ScheduledThread) {
        thread.cancelPending = false
    }

    /// Wakes every thread whose deadline is at or before `now`; returns how many.
    @discardableResult
    public func expire(now: UInt64) -> Int {
        var count = 0
        while let first = sleepers.first, let deadline = first.deadline, deadline <= now {
            makeReady(first, reason: .timedOut)
            count += 1
        }
        return count
    }

    /// The earliest deadline of a blocked thread (for the timer).
    public var nextDeadline: UInt64? { sleepers.first?.deadline }

    private func makeReady(_ thread: ScheduledThread, reason: ScheduledThread.WakeReason) {
        guard thread.state == .blocked else { return }
        thread.waitingOn?.remove(thread)
        thread.waitingOn = nil
        if thread.deadline != nil {
            sleepers.removeAll { $0 === thread }
            thread.deadline = nil
        }
        thread.cancellable = false
        thread.wakeReason = reason
        thread.state = .ready
        ready[thread.priority.level].append(thread)
    }

    // MARK: - Mutexes

    /// Takes `mutex` for the current thread if it is free. Otherwise blocks the
    /// current thread on it (the caller switches away) and returns false: when
    /// the thread runs again, `unlock` has handed the mutex over to it.
    public func lockOrBlock(_ mutex: ThreadMutex) -> Bool {
        if mutex.owner == nil {
            mutex.owner = current
            return true
        }
        precondition(mutex.owner !== current, "mutex locked twice by one thread")
        block(on: mutex.waiters)
        return false
    }

    /// Takes `mutex` if it is free; never blocks.
    public func tryLock(_ mutex: ThreadMutex) -> Bool {
        guard mutex.owner == nil else { return false }
        mutex.owner = current
        return true
    }

    /// Releases `mutex`, handing it to its first waiter (made ready), if any.
    public func unlock(_ mutex: ThreadMutex) {
        precondition(mutex.owner === current, "mutex unlocked by a thread that does not hold it")
        if let next = wakeOne(mutex.waiters) {
            mutex.owner = next
        } else {
            mutex.owner = nil
        }
    }
}
