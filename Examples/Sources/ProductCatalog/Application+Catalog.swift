import HTTPTypes
import Hummingbird
import StrataTiers

/// The web application: product pages and the JSON API over a ``ProductCatalog``.
///
/// ```swift
/// let app = buildApplication(catalog: catalog, configuration: .init(address: .hostname("127.0.0.1", port: 8080)))
/// try await app.runService()
/// ```
///
/// - `GET /products/:id`: the product page (HTML).
/// - `GET /api/products/:id`: the product as JSON.
/// - `POST /products/:id` (JSON ``ProductUpdate``): writes through the cache; every instance's
///   local copy is invalidated.
///
/// Both `GET`s send `ETag` and `Cache-Control`, and answer `If-None-Match` with 304 from the
/// cached version (no Redis round trip when the local tier holds it). `onServerRunning` is told
/// the port the server listens on (useful with port 0).
public func buildApplication(
    catalog: ProductCatalog,
    configuration: ApplicationConfiguration = ApplicationConfiguration(),
    onServerRunning: @escaping @Sendable (_ port: Int?) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = Router()
    router.get("/products/:id") { request, context in
        try await productResponse(catalog, request: request, context: context, format: .html)
    }
    router.get("/api/products/:id") { request, context in
        try await productResponse(catalog, request: request, context: context, format: .json)
    }
    router.post("/products/:id") { request, context -> Response in
        let id = try context.parameters.require("id")
        let update = try await request.decode(as: ProductUpdate.self, context: context)
        guard let product = try await catalog.update(id, with: update) else {
            throw HTTPError(.notFound, message: "No product \(id)")
        }
        var headers = HTTPFields()
        headers[.eTag] = try ProductCatalog.etag(for: product)
        headers[.cacheControl] = "no-store"
        return try jsonResponse(product, headers: headers)
    }
    router.get("/health") { _, _ in "ok" }
    return Application(
        router: router, configuration: configuration,
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port) })
}

enum ProductFormat {
    case html
    case json
}

/// A product page or JSON document, or 304 when `If-None-Match` names the cached version.
func productResponse(
    _ catalog: ProductCatalog, request: Request, context: some RequestContext, format: ProductFormat
) async throws -> Response {
    let id = try context.parameters.require("id")
    let read = try await catalog.read(id)
    guard let product = read.product, let etag = read.etag else {
        throw HTTPError(.notFound, headers: [.cacheControl: read.cacheControl], message: "No product \(id)")
    }
    var headers = HTTPFields()
    headers[.eTag] = etag
    headers[.cacheControl] = read.cacheControl
    // Not a standard header: which tier answered, for the demo and the tests.
    headers[HTTPField.Name("X-Cache-Tier")!] = read.result.source.description
    if ProductCatalog.ifNoneMatch(request.headers[.ifNoneMatch], matches: etag) {
        return Response(status: .notModified, headers: headers)
    }
    switch format {
    case .json:
        return try jsonResponse(product, headers: headers)
    case .html:
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(string: ProductPage.render(product, read: read))))
    }
}

func jsonResponse(_ product: Product, headers: HTTPFields) throws -> Response {
    var headers = headers
    headers[.contentType] = "application/json; charset=utf-8"
    return Response(
        status: .ok, headers: headers,
        body: ResponseBody(byteBuffer: ByteBuffer(bytes: try ProductJSON.encode(product))))
}

/// The product page's HTML.
enum ProductPage {
    static func render(_ product: Product, read: ProductCatalog.Read) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><title>\(escape(product.name))</title></head>
        <body>
        <h1>\(escape(product.name))</h1>
        <p class="price">$\(product.formattedPrice)</p>
        <p class="meta">Product \(escape(product.id)), revision \(product.revision), \(product.kind.rawValue).</p>
        <footer>Served from the \(escape(read.result.source.description)) tier; Cache-Control: \
        \(escape(read.cacheControl))</footer>
        </body>
        </html>

        """
    }

    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
