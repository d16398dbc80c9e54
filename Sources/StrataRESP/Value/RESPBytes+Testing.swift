extension RESPBytes {
    /// The address of the view's first byte in its storage, so tests can tell which views share
    /// one array (`nil` for an empty storage). For tests.
    package var _address: UnsafeRawPointer? {
        storage.withUnsafeBytes { $0.baseAddress.map { $0 + start } }
    }

    /// The address of the storage the view is part of (`nil` for an empty storage). For tests.
    package var _storageAddress: UnsafeRawPointer? {
        storage.withUnsafeBytes { $0.baseAddress }
    }

    /// Whether the view is all of its storage. For tests.
    package var _isWhole: Bool { bounds == Self.whole }
}
