/// Converts values to and from the bytes a remote tier stores.
///
/// ```swift
/// let codec = StringCodec()
/// let bytes = try codec.encode("hello")
/// try codec.decode(bytes)  // "hello"
/// ```
public protocol CacheCodec<Value>: Sendable {
    /// The value type.
    associatedtype Value

    /// The bytes for `value`.
    func encode(_ value: Value) throws(CacheCodecError) -> [UInt8]

    /// The value for `bytes`; throws if they are not a valid encoding.
    func decode(_ bytes: [UInt8]) throws(CacheCodecError) -> Value
}

/// The passthrough codec: the value is the bytes.
public struct BytesCodec: CacheCodec {
    /// Creates the codec.
    public init() {}

    /// Returns `value` unchanged.
    public func encode(_ value: [UInt8]) throws(CacheCodecError) -> [UInt8] { value }

    /// Returns `bytes` unchanged.
    public func decode(_ bytes: [UInt8]) throws(CacheCodecError) -> [UInt8] { bytes }
}

/// Strings as UTF-8 bytes.
public struct StringCodec: CacheCodec {
    /// Creates the codec.
    public init() {}

    /// The UTF-8 bytes of `value`.
    public func encode(_ value: String) throws(CacheCodecError) -> [UInt8] { Array(value.utf8) }

    /// The string whose UTF-8 encoding is `bytes`; throws if they are not valid UTF-8.
    public func decode(_ bytes: [UInt8]) throws(CacheCodecError) -> String {
        guard let string = String(validating: bytes, as: UTF8.self) else {
            throw CacheCodecError(code: .invalidUTF8, message: "\(bytes.count) bytes are not valid UTF-8")
        }
        return string
    }
}

/// A value could not be encoded, or bytes could not be decoded.
public struct CacheCodecError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case invalidUTF8
            case encodingFailed
            case decodingFailed
        }

        private let base: Base

        /// The bytes are not valid UTF-8.
        public static let invalidUTF8 = Code(base: .invalidUTF8)
        /// The value could not be encoded.
        public static let encodingFailed = Code(base: .encodingFailed)
        /// The bytes are not an encoding of the expected type.
        public static let decodingFailed = Code(base: .decodingFailed)

        public var description: String {
            switch base {
            case .invalidUTF8: "invalid UTF-8"
            case .encodingFailed: "encoding failed"
            case .decodingFailed: "decoding failed"
            }
        }
    }

    /// What kind of failure this is.
    public var code: Code
    /// What went wrong, for a person.
    public var message: String

    /// An error of kind `code`.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
