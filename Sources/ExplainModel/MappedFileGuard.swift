#if canImport(Glibc)
import Glibc
#endif

/// Keeps a memory-mapped weight file that shrinks under the process from killing it. Reading a mapped page
/// past the end of a truncated file raises SIGBUS; the handler maps zero pages over the rest of that
/// mapping, marks it faulted and returns, so the interrupted pass finishes on zeros instead of the process
/// dying. The owner (MappedFile.checkUnchanged) then reports the file as changed, and the request that
/// read it is answered with an error rather than its meaningless result. A SIGBUS anywhere else is left
/// to the handler that was installed before (the Swift runtime's backtracer, or the default action).
enum MappedFileGuard {
    /// One registered mapping; the handler reads these without locks, so they live in memory allocated once.
    struct Slot {
        var start: UInt = 0
        var end: UInt = 0
        var faulted: Int32 = 0
    }

    static let capacity = 256
    nonisolated(unsafe) static let slots: UnsafeMutablePointer<Slot> = {
        let slots = UnsafeMutablePointer<Slot>.allocate(capacity: capacity)
        slots.initialize(repeating: Slot(), count: capacity)
        return slots
    }()
    /// The handler installed before ours, and the page size, read by the handler: fixed addresses, set once.
    nonisolated(unsafe) static let previous: UnsafeMutablePointer<sigaction> = .allocate(capacity: 1)
    nonisolated(unsafe) static let pageSize = UInt(sysconf(Int32(_SC_PAGESIZE)))
    nonisolated(unsafe) private static let lock: UnsafeMutablePointer<pthread_mutex_t> = {
        let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(lock, nil)
        return lock
    }()
    private static let installed: Bool = {
        _ = (slots, lock, pageSize)
        var action = sigaction()
        action.__sigaction_handler.sa_sigaction = { signal, info, context in
            MappedFileGuard.handle(signal, info, context)
        }
        action.sa_flags = SA_SIGINFO
        sigemptyset(&action.sa_mask)
        return sigaction(SIGBUS, &action, previous) == 0
    }()

    /// Registers a mapping; the slot to unregister it with (-1 when the table is full: unguarded).
    static func register(_ base: UnsafeMutableRawPointer, size: Int) -> Int {
        _ = installed
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        for i in 0..<capacity where slots[i].end == 0 {
            slots[i] = Slot(start: UInt(bitPattern: base), end: UInt(bitPattern: base) + UInt(size), faulted: 0)
            return i
        }
        return -1
    }

    static func unregister(_ slot: Int) {
        guard slot >= 0 else { return }
        pthread_mutex_lock(lock)
        slots[slot] = Slot()
        pthread_mutex_unlock(lock)
    }

    static func faulted(_ slot: Int) -> Bool { slot >= 0 && slots[slot].faulted != 0 }

    /// Async-signal-safe: reads the table, calls mmap, writes a flag.
    private static func handle(_ signal: Int32, _ info: UnsafeMutablePointer<siginfo_t>?, _ context: UnsafeMutableRawPointer?) {
        let address = UInt(bitPattern: info?.pointee._sifields._sigfault.si_addr)
        let page = pageSize
        for i in 0..<capacity {
            let slot = slots[i]
            guard slot.end != 0, address >= slot.start, address < slot.end else { continue }
            let from = address / page * page
            let replaced = mmap(UnsafeMutableRawPointer(bitPattern: from), Int(slot.end - from), PROT_READ,
                                MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0)
            if replaced != MAP_FAILED {
                slots[i].faulted = 1
                return  // the faulting read runs again, on zeros
            }
        }
        // Not ours: put the earlier handler back; the read faults again and gets it.
        sigaction(SIGBUS, previous, nil)
    }
}
