#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `Codable` values as JSON, through `JSONEncoder` and `JSONDecoder` (FoundationEssentials on
/// Linux, which does not pull in ICU).
///
/// ```swift
/// struct User: Codable { var name: String }
/// let bytes = try JSONCodec<User>().encode(User(name: "Ada"))
/// ```
public struct JSONCodec<Value: Codable>: CacheCodec {
    /// Creates the codec.
    public init() {}

    /// The JSON encoding of `value`.
    public func encode(_ value: Value) throws(CacheCodecError) -> [UInt8] {
        do {
            return Array(try JSONEncoder().encode(value))
        } catch {
            throw CacheCodecError(code: .encodingFailed, message: "\(Value.self): \(error)")
        }
    }

    /// The value whose JSON encoding is `bytes`.
    public func decode(_ bytes: [UInt8]) throws(CacheCodecError) -> Value {
        do {
            return try JSONDecoder().decode(Value.self, from: Data(bytes))
        } catch {
            throw CacheCodecError(code: .decodingFailed, message: "\(Value.self): \(error)")
        }
    }
}
