/// Reads the `data.pkl` of a torch.save archive into tensor descriptions, executing nothing.
///
/// A pickle is a program for a stack machine whose GLOBAL opcode imports any Python callable and whose
/// REDUCE calls it; `torch.load` without `weights_only` runs it, which is how a hostile checkpoint runs
/// code. This machine knows only the opcodes a state dict uses (protocols 2–5) and only the globals a state
/// dict names: torch's tensor and parameter rebuilders, `collections.OrderedDict` and the storage types.
/// A GLOBAL naming anything else is refused at that opcode, before any later opcode is read; REDUCE
/// "calls" only the known rebuilders, as data constructors. (The same idea as candle's `pickle.rs`, and
/// as `torch.load(weights_only=True)`'s allow-list.)
enum StateDictPickle {
    /// A storage reference from BINPERSID: ('storage', torch.<Type>Storage, key, location, numel).
    struct Storage: Equatable {
        let dtype: SafeTensorsFile.DType
        let key: String
        let count: Int
    }

    /// A tensor from torch._utils._rebuild_tensor_v2: a strided view of a storage.
    struct Tensor: Equatable {
        let storage: Storage
        let offset: Int
        let shape: [Int]
        let strides: [Int]
    }

    indirect enum Value {
        case none
        case bool(Bool)
        case int(Int)
        case float(Double)
        case string(String)
        case bytes(Int)                    // only its length is kept
        case tuple([Value])
        case list([Value])
        case dict([(key: Value, value: Value)])
        case global(String)                // "module.name", one of the allowed ones
        case storage(Storage)
        case tensor(Tensor)
    }

    struct Refused: Error, Equatable { let reason: String }

    /// Globals a state dict may name. Only the first four are ever "called"; torch.Tensor and
    /// torch.nn.Parameter appear as the type argument of _rebuild_from_type_v2.
    static let rebuildTensor = "torch._utils._rebuild_tensor_v2"
    static let rebuildParameter = "torch._utils._rebuild_parameter"
    static let rebuildFromType = "torch._tensor._rebuild_from_type_v2"
    static let orderedDict = "collections.OrderedDict"
    static let storageTypes: [String: SafeTensorsFile.DType] = [
        "torch.FloatStorage": .f32, "torch.HalfStorage": .f16, "torch.BFloat16Storage": .bf16, "torch.DoubleStorage": .f64,
        "torch.LongStorage": .i64, "torch.IntStorage": .i32, "torch.ShortStorage": .i16, "torch.CharStorage": .i8,
        "torch.ByteStorage": .u8, "torch.BoolStorage": .bool,
    ]
    static let allowedGlobals: Set<String> = Set(storageTypes.keys).union(
        [rebuildTensor, rebuildParameter, rebuildFromType, orderedDict, "torch.Tensor", "torch.nn.parameter.Parameter"])

    /// Nesting deeper than this is not a state dict (and would overflow the stack when freed).
    static let maxDepth = 32
    /// Containers hold at most this many elements in all, whatever the memo's sharing multiplies.
    static let maxElements = 10_000_000

    /// The state dict's tensors by name, in the pickle's order. Any other top-level value is refused.
    static func tensors(_ bytes: UnsafeRawBufferPointer) throws -> [(name: String, tensor: Tensor)] {
        var machine = Machine(bytes)
        let result = try machine.run()
        guard case .dict(let items) = result.value else {
            throw Refused(reason: "the pickle holds a \(result.value.kind), not a state dict")
        }
        return try items.compactMap { item in
            guard case .string(let name) = item.key else { throw Refused(reason: "a state-dict key is a \(item.key.kind), not a string") }
            switch item.value {
            case .tensor(let tensor): return (name, tensor)
            case .none, .int, .float, .bool, .string: return nil   // non-tensor entries (`_extra_state`, versions)
            default: throw Refused(reason: "state-dict entry \(name) is a \(item.value.kind), not a tensor")
            }
        }
    }

    /// A stack element and the nesting depth of its value.
    struct Item {
        var value: Value
        var depth: Int
    }

    struct Machine {
        let bytes: UnsafeRawBufferPointer
        var at = 0
        var stack: [Item] = []
        var marks: [Int] = []
        var memo: [Int: Item] = [:]
        var elements = 0

        init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        func refuse(_ reason: String) -> Refused { Refused(reason: reason) }

        mutating func take(_ count: Int) throws -> UnsafeRawBufferPointer {
            guard count >= 0, count <= bytes.count - at else { throw refuse("the pickle ends inside an opcode's argument at byte \(at)") }
            defer { at += count }
            return UnsafeRawBufferPointer(rebasing: bytes[at..<(at + count)])
        }
        mutating func byte() throws -> UInt8 { try take(1)[0] }
        mutating func uint(_ size: Int) throws -> UInt64 {
            let raw = try take(size)
            var value: UInt64 = 0
            for i in (0..<size).reversed() { value = value << 8 | UInt64(raw[i]) }
            return value
        }
        mutating func length(_ size: Int) throws -> Int {
            let value = try uint(size)
            guard value <= UInt64(bytes.count - at) else { throw refuse("a length of \(value) bytes runs past the pickle's end") }
            return Int(value)
        }
        mutating func line() throws -> String {
            guard let end = bytes[at...].firstIndex(of: UInt8(ascii: "\n")) else { throw refuse("the pickle ends inside a GLOBAL's name") }
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[at..<end]), as: UTF8.self)
            at = end + 1
            return text
        }
        mutating func utf8(_ count: Int) throws -> String {
            let raw = try take(count)
            guard let text = String(validatingUTF8Bytes: raw) else { throw refuse("a string is not valid UTF-8") }
            return text
        }

        mutating func pop() throws -> Item {
            guard let top = stack.popLast() else { throw refuse("an opcode at byte \(at - 1) pops an empty stack") }
            if let mark = marks.last, stack.count < mark { throw refuse("an opcode at byte \(at - 1) pops past a MARK") }
            return top
        }
        mutating func popToMark() throws -> [Item] {
            guard let mark = marks.popLast() else { throw refuse("no MARK before the opcode at byte \(at - 1)") }
            defer { stack.removeSubrange(mark...) }
            return Array(stack[mark...])
        }
        mutating func push(_ value: Value, children: [Item] = []) throws {
            let depth = 1 + (children.map(\.depth).max() ?? 0)
            guard depth <= StateDictPickle.maxDepth else { throw refuse("values nest deeper than \(StateDictPickle.maxDepth) levels") }
            elements += children.count
            guard elements <= StateDictPickle.maxElements else { throw refuse("more than \(StateDictPickle.maxElements) elements") }
            stack.append(Item(value: value, depth: children.isEmpty ? 0 : depth))
        }
        mutating func push(_ item: Item) { stack.append(item) }

        /// Adds to the list or dict on top of the stack (after popping what is added).
        mutating func extendTop(_ added: [Item], asPairs: Bool) throws {
            guard var top = stack.popLast() else { throw refuse("APPEND/SETITEM without a container") }
            switch (top.value, asPairs) {
            case (.list(var values), false):
                values += added.map(\.value)
                top.value = .list(values)
            case (.dict(var pairs), true):
                guard added.count % 2 == 0 else { throw refuse("SETITEMS with an odd number of values") }
                for i in stride(from: 0, to: added.count, by: 2) { pairs.append((added[i].value, added[i + 1].value)) }
                top.value = .dict(pairs)
            default:
                throw refuse("\(asPairs ? "SETITEM" : "APPEND") on a \(top.value.kind)")
            }
            top.depth = max(top.depth, 1 + (added.map(\.depth).max() ?? 0))
            guard top.depth <= StateDictPickle.maxDepth else { throw refuse("values nest deeper than \(StateDictPickle.maxDepth) levels") }
            elements += added.count
            guard elements <= StateDictPickle.maxElements else { throw refuse("more than \(StateDictPickle.maxElements) elements") }
            stack.append(top)
        }

        mutating func global(_ module: String, _ name: String, at offset: Int) throws {
            let qualified = module + "." + name
            guard StateDictPickle.allowedGlobals.contains(qualified) else {
                throw refuse("the opcode at byte \(offset) names the Python global \(qualified), which a state dict never needs; explaind runs no pickle code and reads only torch's tensor rebuilders, collections.OrderedDict and the storage types")
            }
            try push(.global(qualified))
        }

        mutating func run() throws -> Item {
            while true {
                let offset = at
                let opcode = try byte()
                switch opcode {
                case 0x80: // PROTO
                    let version = try byte()
                    guard version >= 2 && version <= 5 else { throw refuse("pickle protocol \(version) is not one torch.save writes") }
                case 0x95: _ = try take(8)                         // FRAME: a hint only
                case 0x2E: return try pop()                        // STOP
                case 0x28: marks.append(stack.count)               // MARK
                case 0x4E: try push(.none)                         // NONE
                case 0x88: try push(.bool(true))                   // NEWTRUE
                case 0x89: try push(.bool(false))                  // NEWFALSE
                case 0x4B: try push(.int(Int(try uint(1))))        // BININT1
                case 0x4D: try push(.int(Int(try uint(2))))        // BININT2
                case 0x4A: try push(.int(Int(Int32(truncatingIfNeeded: try uint(4)))))   // BININT
                case 0x8A: // LONG1: little-endian two's complement of n bytes
                    let n = Int(try byte())
                    guard n <= 8 else { throw refuse("an integer of \(n) bytes at byte \(offset) is larger than any size or offset") }
                    let raw = try take(n)
                    var value: UInt64 = 0
                    for i in (0..<n).reversed() { value = value << 8 | UInt64(raw[i]) }
                    if n > 0 && n < 8 && raw[n - 1] & 0x80 != 0 { value |= ~UInt64(0) << (8 * UInt64(n)) }
                    try push(.int(Int(Int64(bitPattern: value))))
                case 0x47: try push(.float(Double(bitPattern: try uint(8).byteSwapped)))   // BINFLOAT, big-endian
                case 0x58: try push(.string(try utf8(try length(4))))  // BINUNICODE
                case 0x8C: try push(.string(try utf8(try length(1))))  // SHORT_BINUNICODE
                case 0x8D: try push(.string(try utf8(try length(8))))  // BINUNICODE8
                case 0x43: try push(.bytes(try take(try length(1)).count))  // SHORT_BINBYTES
                case 0x42: try push(.bytes(try take(try length(4)).count))  // BINBYTES
                case 0x29: try push(.tuple([]))                    // EMPTY_TUPLE
                case 0x5D: try push(.list([]))                     // EMPTY_LIST
                case 0x7D: try push(.dict([]))                     // EMPTY_DICT
                case 0x74:                                          // TUPLE
                    let items = try popToMark()
                    try push(.tuple(items.map(\.value)), children: items)
                case 0x85, 0x86, 0x87:                              // TUPLE1, TUPLE2, TUPLE3
                    var items: [Item] = []
                    for _ in 0..<Int(opcode - 0x84) { items.insert(try pop(), at: 0) }
                    try push(.tuple(items.map(\.value)), children: items)
                case 0x61: try extendTop([try pop()], asPairs: false)            // APPEND
                case 0x65: try extendTop(try popToMark(), asPairs: false)       // APPENDS
                case 0x73:                                                      // SETITEM
                    let value = try pop(), key = try pop()
                    try extendTop([key, value], asPairs: true)
                case 0x75: try extendTop(try popToMark(), asPairs: true)         // SETITEMS
                case 0x71: memo[Int(try uint(1))] = try peek()                  // BINPUT
                case 0x72: memo[Int(try uint(4))] = try peek()                  // LONG_BINPUT
                case 0x94: memo[memo.count] = try peek()                        // MEMOIZE
                case 0x68, 0x6A:                                                // BINGET, LONG_BINGET
                    let index = Int(try uint(opcode == 0x68 ? 1 : 4))
                    guard let item = memo[index] else { throw refuse("BINGET \(index) at byte \(offset) reads an empty memo slot") }
                    push(item)
                case 0x63:                                                      // GLOBAL "module\nname\n"
                    let module = try line(), name = try line()
                    try global(module, name, at: offset)
                case 0x93:                                                      // STACK_GLOBAL
                    let name = try pop(), module = try pop()
                    guard case .string(let m) = module.value, case .string(let n) = name.value else {
                        throw refuse("STACK_GLOBAL at byte \(offset) without two strings")
                    }
                    try global(m, n, at: offset)
                case 0x51:                                                      // BINPERSID
                    let id = try pop()
                    try push(.storage(try storage(id.value)))
                case 0x52:                                                      // REDUCE
                    let arguments = try pop(), callable = try pop()
                    try push(try reduce(callable.value, arguments.value))
                case 0x62:                                                      // BUILD: an OrderedDict's attributes
                    let state = try pop()
                    guard let top = stack.last, case .dict = top.value else { throw refuse("BUILD on a \(stack.last?.value.kind ?? "nothing")") }
                    _ = state   // `_metadata` (module versions): not needed
                default:
                    throw refuse(String(format: "opcode 0x%02X at byte %d is not one a state dict uses", opcode, offset))
                }
            }
        }

        func peek() throws -> Item {
            guard let top = stack.last else { throw refuse("PUT with an empty stack") }
            return top
        }

        func storage(_ id: Value) throws -> Storage {
            guard case .tuple(let fields) = id, fields.count == 5, case .string("storage") = fields[0],
                  case .global(let type) = fields[1], case .string(let key) = fields[2], case .int(let count) = fields[4] else {
                throw refuse("a persistent id is not ('storage', type, key, location, size)")
            }
            guard let dtype = StateDictPickle.storageTypes[type] else { throw refuse("\(type) is not a storage type") }
            guard count >= 0 else { throw refuse("storage \(key) has a negative size \(count)") }
            return Storage(dtype: dtype, key: key, count: count)
        }

        /// The only calls: OrderedDict(), and torch's rebuilders, read as constructors of tensor descriptions.
        func reduce(_ callable: Value, _ arguments: Value) throws -> Value {
            guard case .global(let name) = callable else { throw refuse("REDUCE calls a \(callable.kind), not a known function") }
            guard case .tuple(let args) = arguments else { throw refuse("REDUCE of \(name) with non-tuple arguments") }
            switch name {
            case StateDictPickle.orderedDict:
                guard args.isEmpty else { throw refuse("OrderedDict with arguments") }
                return .dict([])
            case StateDictPickle.rebuildTensor:
                // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
                guard args.count >= 6, case .storage(let storage) = args[0], case .int(let offset) = args[1],
                      let shape = integers(args[2]), let strides = integers(args[3]), shape.count == strides.count else {
                    throw refuse("\(name) with arguments that are not (storage, offset, size, stride, ...)")
                }
                return .tensor(Tensor(storage: storage, offset: offset, shape: shape, strides: strides))
            case StateDictPickle.rebuildParameter:
                // (data, requires_grad, backward_hooks)
                guard let data = args.first, case .tensor = data else { throw refuse("\(name) of something other than a tensor") }
                return data
            case StateDictPickle.rebuildFromType:
                // (func, new_type, args, state): func(*args), the subclass and its state dropped.
                guard args.count == 4 else { throw refuse("\(name) with \(args.count) arguments") }
                return try reduce(args[0], args[2])
            default:
                throw refuse("REDUCE calls \(name), which is not a function a state dict needs")
            }
        }

        func integers(_ value: Value) -> [Int]? {
            guard case .tuple(let items) = value else { return nil }
            var result: [Int] = []
            for item in items {
                guard case .int(let number) = item else { return nil }
                result.append(number)
            }
            return result
        }
    }
}

extension StateDictPickle.Value {
    var kind: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .tuple: return "tuple"
        case .list: return "list"
        case .dict: return "dict"
        case .global(let name): return "global \(name)"
        case .storage: return "storage"
        case .tensor: return "tensor"
        }
    }
}

private extension String {
    init?(validatingUTF8Bytes raw: UnsafeRawBufferPointer) {
        var iterator = raw.makeIterator()
        var scalars = String.UnicodeScalarView()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): scalars.append(scalar)
            case .emptyInput: self = String(scalars); return
            case .error: return nil
            }
        }
    }
}
