import GRDB

extension Database {
    /// Runs one statement through the connection's statement cache: compiled (and checked by GRDB's
    /// authorizer) once per connection instead of on every call. For the statements on request paths.
    func run(_ sql: String, _ arguments: StatementArguments = []) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }

    /// Fetches rows through the statement cache (see `run`).
    func rows(_ sql: String, _ arguments: StatementArguments = []) throws -> [Row] {
        try Row.fetchAll(cachedStatement(sql: sql), arguments: arguments)
    }

    /// Fetches one row through the statement cache (see `run`).
    func row(_ sql: String, _ arguments: StatementArguments = []) throws -> Row? {
        try Row.fetchOne(cachedStatement(sql: sql), arguments: arguments)
    }
}
