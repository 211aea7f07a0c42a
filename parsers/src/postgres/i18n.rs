//! What the server says in other languages: severities, part labels and the
//! messages pm-tui gives meaning to, from PostgreSQL 15's message catalogs
//! (`src/backend/po/*.po`, PostgreSQL License), so that a server running with
//! `lc_messages = 'ja_JP.UTF-8'` or `'ru_RU.UTF-8'` yields the same events.
//!
//! Messages are matched against each printf format (English and
//! translated, with positional arguments such as `%2$u`; see `printf.rs`)
//! and the arguments put back in the English order: a Japanese tuple
//! `データベース16384のリレーション16385のタプル(1,0)` (the catalog swaps the
//! two tuple numbers) becomes `tuple (0,1) of relation 16385 of database 16384`.

use super::Severity;
use super::printf::Printf;
use std::collections::HashMap as StdHashMap;
use std::sync::{LazyLock, OnceLock};

/// The tables below are looked up for every message of a PostgreSQL log:
/// a fast hash of their short keys, not SipHash (3 % of the parse).
type HashMap<K, V> = StdHashMap<K, V, foldhash::fast::RandomState>;

/// The part of a message a label introduces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// `DETAIL`.
    Detail,
    /// `HINT`.
    Hint,
    /// `QUERY` (internal query).
    Query,
    /// `CONTEXT`.
    Context,
    /// `LOCATION`.
    Location,
    /// `STATEMENT`.
    Statement,
    /// `BACKTRACE`.
    Backtrace,
}

/// What a label word at the start of a message says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    /// A severity: the line starts a message.
    Primary(Severity),
    /// A part of the message before it (same process).
    Part(Part),
}

/// (language, English message id, translation) from PostgreSQL 15's `src/backend/po/*.po`
/// (PostgreSQL License), for the messages pm-tui gives meaning to.
pub const MESSAGES: &[(&str, &str, &str)] = &[
    (
        "de",
        "process %d still waiting for %s on %s after %ld.%03d ms",
        "Prozess %d wartet immer noch auf %s-Sperre auf %s nach %ld,%03d ms",
    ),
    (
        "de",
        "process %d acquired %s on %s after %ld.%03d ms",
        "Prozess %d erlangte %s-Sperre auf %s nach %ld,%03d ms",
    ),
    (
        "de",
        "process %d detected deadlock while waiting for %s on %s after %ld.%03d ms",
        "Prozess %d hat Verklemmung festgestellt beim Warten auf %s-Sperre auf %s nach %ld,%03d ms",
    ),
    (
        "de",
        "process %d avoided deadlock for %s on %s by rearranging queue order after %ld.%03d ms",
        "Prozess %d vermied Verklemmung wegen %s-Sperre auf %s durch Umordnen der Queue nach %ld,%03d ms",
    ),
    (
        "de",
        "process %d failed to acquire %s on %s after %ld.%03d ms",
        "Prozess %d konnte %s-Sperre auf %s nach %ld,%03d ms nicht erlangen",
    ),
    ("de", "deadlock detected", "Verklemmung (Deadlock) entdeckt"),
    (
        "de",
        "Process %d waits for %s on %s; blocked by process %d.",
        "Prozess %d wartet auf %s-Sperre auf %s; blockiert von Prozess %d.",
    ),
    ("de", "Process %d: %s", "Prozess %d: %s"),
    (
        "de",
        "canceling statement due to lock timeout",
        "storniere Anfrage wegen Zeitüberschreitung einer Sperre",
    ),
    (
        "de",
        "canceling statement due to statement timeout",
        "storniere Anfrage wegen Zeitüberschreitung der Anfrage",
    ),
    (
        "de",
        "canceling statement due to user request",
        "storniere Anfrage wegen Benutzeraufforderung",
    ),
    (
        "de",
        "canceling autovacuum task",
        "storniere Autovacuum-Aufgabe",
    ),
    (
        "de",
        "terminating connection due to idle-in-transaction timeout",
        "Verbindung wird abgebrochen wegen Zeitüberschreitung in inaktiver Transaktion",
    ),
    (
        "de",
        "terminating connection due to idle-session timeout",
        "Verbindung wird abgebrochen wegen Zeitüberschreitung in inaktiver Sitzung",
    ),
    (
        "de",
        "terminating connection due to administrator command",
        "Verbindung wird abgebrochen aufgrund von Anweisung des Administrators",
    ),
    (
        "de",
        "could not obtain lock on row in relation \"%s\"",
        "konnte Sperre für Zeile in Relation »%s« nicht setzen",
    ),
    (
        "de",
        "could not obtain lock on relation \"%s\"",
        "konnte Sperre für Relation »%s« nicht setzen",
    ),
    (
        "de",
        "could not serialize access due to concurrent update",
        "konnte Zugriff nicht serialisieren wegen gleichzeitiger Aktualisierung",
    ),
    (
        "de",
        "could not serialize access due to read/write dependencies among transactions",
        "konnte Zugriff nicht serialisieren wegen Lese-/Schreib-Abhängigkeiten zwischen Transaktionen",
    ),
    (
        "de",
        "relation %u of database %u",
        "Relation %u der Datenbank %u",
    ),
    (
        "de",
        "extension of relation %u of database %u",
        "Erweiterung von Relation %u in Datenbank %u",
    ),
    (
        "de",
        "pg_database.datfrozenxid of database %u",
        "pg_database.datfrozenxid der Datenbank %u",
    ),
    (
        "de",
        "page %u of relation %u of database %u",
        "Seite %u von Relation %u von Datenbank %u",
    ),
    (
        "de",
        "tuple (%u,%u) of relation %u of database %u",
        "Tupel (%u, %u) von Relation %u von Datenbank %u",
    ),
    ("de", "transaction %u", "Transaktion %u"),
    (
        "de",
        "virtual transaction %d/%u",
        "virtuelle Transaktion %d/%u",
    ),
    (
        "de",
        "speculative token %u of transaction %u",
        "spekulatives Token %u von Transaktion %u",
    ),
    (
        "de",
        "object %u of class %u of database %u",
        "Objekt %u von Klasse %u von Datenbank %u",
    ),
    ("de", "user lock [%u,%u,%u]", "Benutzersperre [%u,%u,%u]"),
    (
        "de",
        "advisory lock [%u,%u,%u,%u]",
        "Benutzersperre [%u,%u,%u,%u]",
    ),
    (
        "de",
        "while updating tuple (%u,%u) in relation \"%s\"",
        "beim Aktualisieren von Tupel (%u,%u) in Relation »%s«",
    ),
    (
        "de",
        "while deleting tuple (%u,%u) in relation \"%s\"",
        "beim Löschen von Tupel (%u,%u) in Relation »%s«",
    ),
    (
        "de",
        "while locking tuple (%u,%u) in relation \"%s\"",
        "beim Sperren von Tupel (%u,%u) in Relation »%s«",
    ),
    (
        "de",
        "while locking updated version (%u,%u) of tuple in relation \"%s\"",
        "beim Sperren von aktualisierter Version (%u,%u) von Tupel in Relation »%s«",
    ),
    (
        "de",
        "while inserting index tuple (%u,%u) in relation \"%s\"",
        "beim Einfügen von Indextupel (%u,%u) in Relation »%s«",
    ),
    (
        "de",
        "while checking uniqueness of tuple (%u,%u) in relation \"%s\"",
        "beim Prüfen der Eindeutigkeit von Tupel (%u,%u) in Relation »%s«",
    ),
    (
        "de",
        "while rechecking updated tuple (%u,%u) in relation \"%s\"",
        "beim erneuten Prüfen des aktualisierten Tupels (%u,%u) in Relation »%s«",
    ),
    (
        "de",
        "while checking exclusion constraint on tuple (%u,%u) in relation \"%s\"",
        "beim Prüfen eines Exclusion-Constraints für Tupel (%u,%u) in Relation »%s«",
    ),
    ("de", "duration: %s ms", "Dauer: %s ms"),
    (
        "de",
        "duration: %s ms  statement: %s",
        "Dauer: %s ms  Anweisung: %s",
    ),
    ("de", "statement: %s", "Anweisung: %s"),
    ("de", "execute", "Ausführen"),
    ("de", "execute fetch from", "Ausführen Fetch von"),
    (
        "de",
        "connection authorized: user=%s",
        "Verbindung autorisiert: Benutzer=%s",
    ),
    (
        "es",
        "process %d still waiting for %s on %s after %ld.%03d ms",
        "el proceso %d aún espera %s en %s después de %ld.%03d ms",
    ),
    (
        "es",
        "process %d acquired %s on %s after %ld.%03d ms",
        "el proceso %d adquirió %s en %s después de %ld.%03d ms",
    ),
    (
        "es",
        "process %d detected deadlock while waiting for %s on %s after %ld.%03d ms",
        "el proceso %d detectó un deadlock mientras esperaba %s en %s después de %ld.%03d ms",
    ),
    (
        "es",
        "process %d avoided deadlock for %s on %s by rearranging queue order after %ld.%03d ms",
        "el proceso %d evitó un deadlock para %s en %s reordenando la cola después de %ld.%03d ms",
    ),
    (
        "es",
        "process %d failed to acquire %s on %s after %ld.%03d ms",
        "el proceso %d no pudo adquirir %s en %s después de %ld.%03d ms",
    ),
    ("es", "deadlock detected", "se ha detectado un deadlock"),
    (
        "es",
        "Process %d waits for %s on %s; blocked by process %d.",
        "El proceso %d espera %s en %s; bloqueado por proceso %d.",
    ),
    ("es", "Process %d: %s", "Proceso %d: %s"),
    (
        "es",
        "canceling statement due to lock timeout",
        "cancelando la sentencia debido a que se agotó el tiempo de espera de candados (locks)",
    ),
    (
        "es",
        "canceling statement due to statement timeout",
        "cancelando la sentencia debido a que se agotó el tiempo de espera de sentencias",
    ),
    (
        "es",
        "canceling statement due to user request",
        "cancelando la sentencia debido a una petición del usuario",
    ),
    (
        "es",
        "canceling autovacuum task",
        "cancelando tarea de autovacuum",
    ),
    (
        "es",
        "terminating connection due to idle-in-transaction timeout",
        "terminando la conexión debido a que se agotó el tiempo de espera para transacciones abiertas inactivas",
    ),
    (
        "es",
        "terminating connection due to idle-session timeout",
        "terminando la conexión debido a que se agotó el tiempo de espera para sesiones abiertas inactivas",
    ),
    (
        "es",
        "terminating connection due to administrator command",
        "terminando la conexión debido a una orden del administrador",
    ),
    (
        "es",
        "could not obtain lock on row in relation \"%s\"",
        "no se pudo bloquear un candado en la fila de la relación «%s»",
    ),
    (
        "es",
        "could not obtain lock on relation \"%s\"",
        "no se pudo bloquear un candado en la relación «%s»",
    ),
    (
        "es",
        "could not serialize access due to concurrent update",
        "no se pudo serializar el acceso debido a un update concurrente",
    ),
    (
        "es",
        "could not serialize access due to read/write dependencies among transactions",
        "no se pudo serializar el acceso debido a dependencias read/write entre transacciones",
    ),
    (
        "es",
        "relation %u of database %u",
        "relación %u de la base de datos %u",
    ),
    (
        "es",
        "extension of relation %u of database %u",
        "extensión de la relación %u de la base de datos %u",
    ),
    (
        "es",
        "pg_database.datfrozenxid of database %u",
        "pg_database.datfrozenxid de la base de datos %u",
    ),
    (
        "es",
        "page %u of relation %u of database %u",
        "página %u de la relación %u de la base de datos %u",
    ),
    (
        "es",
        "tuple (%u,%u) of relation %u of database %u",
        "tupla (%u,%u) de la relación %u de la base de datos %u",
    ),
    ("es", "transaction %u", "transacción %u"),
    (
        "es",
        "virtual transaction %d/%u",
        "transacción virtual %d/%u",
    ),
    (
        "es",
        "speculative token %u of transaction %u",
        "token especulativo %u de la transacción %u",
    ),
    (
        "es",
        "object %u of class %u of database %u",
        "objeto %u de clase %u de la base de datos %u",
    ),
    (
        "es",
        "user lock [%u,%u,%u]",
        "candado de usuario [%u,%u,%u]",
    ),
    (
        "es",
        "advisory lock [%u,%u,%u,%u]",
        "candado consultivo [%u,%u,%u,%u]",
    ),
    (
        "es",
        "while updating tuple (%u,%u) in relation \"%s\"",
        "mientras se actualizaba la tupla (%u,%u) en la relación «%s»",
    ),
    (
        "es",
        "while deleting tuple (%u,%u) in relation \"%s\"",
        "mientras se borraba la tupla (%u,%u) en la relación «%s»",
    ),
    (
        "es",
        "while locking tuple (%u,%u) in relation \"%s\"",
        "mientras se bloqueaba la tupla (%u,%u) de la relación «%s»",
    ),
    (
        "es",
        "while locking updated version (%u,%u) of tuple in relation \"%s\"",
        "mientras se bloqueaba la versión actualizada (%u,%u) en la relación «%s»",
    ),
    (
        "es",
        "while inserting index tuple (%u,%u) in relation \"%s\"",
        "mientras se insertaba la tupla de índice (%u,%u) en la relación «%s»",
    ),
    (
        "es",
        "while checking uniqueness of tuple (%u,%u) in relation \"%s\"",
        "mientras se verificaba la unicidad de la tupla (%u,%u) en la relación «%s»",
    ),
    (
        "es",
        "while rechecking updated tuple (%u,%u) in relation \"%s\"",
        "mientras se verificaba la tupla actualizada (%u,%u) en la relación «%s»",
    ),
    (
        "es",
        "while checking exclusion constraint on tuple (%u,%u) in relation \"%s\"",
        "mientras se verificaba una restricción de exclusión en la tupla (%u,%u) en la relación «%s»",
    ),
    ("es", "duration: %s ms", "duración: %s ms"),
    (
        "es",
        "duration: %s ms  statement: %s",
        "duración: %s ms  sentencia: %s",
    ),
    ("es", "statement: %s", "sentencia: %s"),
    ("es", "execute", "ejecutar"),
    ("es", "execute fetch from", "ejecutar fetch desde"),
    (
        "es",
        "connection authorized: user=%s",
        "conexión autorizada: usuario=%s",
    ),
    (
        "fr",
        "process %d still waiting for %s on %s after %ld.%03d ms",
        "le processus %d est toujours en attente de %s sur %s après %ld.%03d ms",
    ),
    (
        "fr",
        "process %d acquired %s on %s after %ld.%03d ms",
        "le processus %d a acquis %s sur %s après %ld.%03d ms",
    ),
    (
        "fr",
        "process %d detected deadlock while waiting for %s on %s after %ld.%03d ms",
        "le processus %d a détecté un verrou mortel alors qu'il était en attente de\n%s sur %s après %ld.%03d ms",
    ),
    (
        "fr",
        "process %d avoided deadlock for %s on %s by rearranging queue order after %ld.%03d ms",
        "le processus %d a évité un verrou mortel pour %s sur %s en modifiant l'ordre\nde la queue après %ld.%03d ms",
    ),
    (
        "fr",
        "process %d failed to acquire %s on %s after %ld.%03d ms",
        "le processus %d a échoué pour l'acquisition de %s sur %s après %ld.%03d ms",
    ),
    ("fr", "deadlock detected", "interblocage (deadlock) détecté"),
    (
        "fr",
        "Process %d waits for %s on %s; blocked by process %d.",
        "Le processus %d attend %s sur %s ; bloqué par le processus %d.",
    ),
    ("fr", "Process %d: %s", "Processus %d : %s"),
    (
        "fr",
        "canceling statement due to lock timeout",
        "annulation de la requête à cause du délai écoulé pour l'obtention des verrous",
    ),
    (
        "fr",
        "canceling statement due to statement timeout",
        "annulation de la requête à cause du délai écoulé pour l'exécution de l'instruction",
    ),
    (
        "fr",
        "canceling statement due to user request",
        "annulation de la requête à la demande de l'utilisateur",
    ),
    (
        "fr",
        "canceling autovacuum task",
        "annulation de la tâche d'autovacuum",
    ),
    (
        "fr",
        "terminating connection due to idle-in-transaction timeout",
        "arrêt des connexions suite à l'expiration du délai d'inactivité en transaction",
    ),
    (
        "fr",
        "terminating connection due to idle-session timeout",
        "arrêt des connexions suite à l'expiration du délai d'inactivité de la session",
    ),
    (
        "fr",
        "terminating connection due to administrator command",
        "arrêt des connexions suite à la demande de l'administrateur",
    ),
    (
        "fr",
        "could not obtain lock on row in relation \"%s\"",
        "n'a pas pu obtenir un verrou sur la relation « %s »",
    ),
    (
        "fr",
        "could not obtain lock on relation \"%s\"",
        "n'a pas pu obtenir un verrou sur la relation « %s »",
    ),
    (
        "fr",
        "could not serialize access due to concurrent update",
        "n'a pas pu sérialiser un accès à cause d'une mise à jour en parallèle",
    ),
    (
        "fr",
        "could not serialize access due to read/write dependencies among transactions",
        "n'a pas pu sérialiser un accès à cause des dépendances de lecture/écriture\nparmi les transactions",
    ),
    (
        "fr",
        "relation %u of database %u",
        "relation %u de la base de données %u",
    ),
    (
        "fr",
        "extension of relation %u of database %u",
        "extension de la relation %u de la base de données %u",
    ),
    (
        "fr",
        "pg_database.datfrozenxid of database %u",
        "pg_database.datfrozenxid de la base %u",
    ),
    (
        "fr",
        "page %u of relation %u of database %u",
        "page %u de la relation %u de la base de données %u",
    ),
    (
        "fr",
        "tuple (%u,%u) of relation %u of database %u",
        "ligne (%u,%u) de la relation %u de la base de données %u",
    ),
    (
        "fr",
        "virtual transaction %d/%u",
        "transaction virtuelle %d/%u",
    ),
    (
        "fr",
        "speculative token %u of transaction %u",
        "jeton spéculatif %u de la transaction %u",
    ),
    (
        "fr",
        "object %u of class %u of database %u",
        "objet %u de la classe %u de la base de données %u",
    ),
    (
        "fr",
        "user lock [%u,%u,%u]",
        "verrou utilisateur [%u,%u,%u]",
    ),
    (
        "fr",
        "advisory lock [%u,%u,%u,%u]",
        "verrou informatif [%u,%u,%u,%u]",
    ),
    (
        "fr",
        "while updating tuple (%u,%u) in relation \"%s\"",
        "lors de la mise à jour de la ligne (%u,%u) dans la relation « %s »",
    ),
    (
        "fr",
        "while deleting tuple (%u,%u) in relation \"%s\"",
        "lors de la suppression de la ligne (%u,%u) dans la relation « %s »",
    ),
    (
        "fr",
        "while locking tuple (%u,%u) in relation \"%s\"",
        "lors du verrouillage de la ligne (%u,%u) dans la relation « %s »",
    ),
    (
        "fr",
        "while locking updated version (%u,%u) of tuple in relation \"%s\"",
        "lors du verrou de la version mise à jour (%u, %u) de la ligne de la relation « %s »",
    ),
    (
        "fr",
        "while inserting index tuple (%u,%u) in relation \"%s\"",
        "lors de l'insertion de l'enregistrement (%u, %u) de l'index dans la relation « %s »",
    ),
    (
        "fr",
        "while checking uniqueness of tuple (%u,%u) in relation \"%s\"",
        "lors de la vérification de l'unicité de l'enregistrement (%u,%u) dans la relation « %s »",
    ),
    (
        "fr",
        "while rechecking updated tuple (%u,%u) in relation \"%s\"",
        "lors de la re-vérification de l'enregistrement mis à jour (%u,%u) dans la relation « %s »",
    ),
    (
        "fr",
        "while checking exclusion constraint on tuple (%u,%u) in relation \"%s\"",
        "lors de la vérification de la contrainte d'exclusion sur l'enregistrement (%u,%u) dans la relation « %s »",
    ),
    ("fr", "duration: %s ms", "durée : %s ms"),
    (
        "fr",
        "duration: %s ms  statement: %s",
        "durée : %s ms, instruction : %s",
    ),
    ("fr", "statement: %s", "instruction : %s"),
    ("fr", "execute", "exécute"),
    ("fr", "execute fetch from", "exécute fetch à partir de"),
    (
        "fr",
        "connection authorized: user=%s",
        "connexion autorisée : utilisateur=%s",
    ),
    (
        "it",
        "process %d still waiting for %s on %s after %ld.%03d ms",
        "il processo %d è ancora un attesa di %s su %s dopo %ld.%03d ms",
    ),
    (
        "it",
        "process %d acquired %s on %s after %ld.%03d ms",
        "il processo %d ha acquisito %s su %s dopo %ld.%03d ms",
    ),
    (
        "it",
        "process %d detected deadlock while waiting for %s on %s after %ld.%03d ms",
        "il processo %d ha individuato un deadlock mentre era in attesa di %s su %s dopo %ld.%03d ms",
    ),
    (
        "it",
        "process %d avoided deadlock for %s on %s by rearranging queue order after %ld.%03d ms",
        "il processo %d ha evitato un deadlock per %s su %s modificando l'ordine della coda dopo %ld.%03d ms",
    ),
    (
        "it",
        "process %d failed to acquire %s on %s after %ld.%03d ms",
        "il processo %d ha fallito l'acquisizione di %s su %s dopo %ld.%03d ms",
    ),
    ("it", "deadlock detected", "rilevato deadlock"),
    (
        "it",
        "Process %d waits for %s on %s; blocked by process %d.",
        "Il processo %d è in attesa di %s su %s; bloccato dal processo %d.",
    ),
    ("it", "Process %d: %s", "Processo %d: %s"),
    (
        "it",
        "canceling statement due to lock timeout",
        "annullamento dell'istruzione a causa di timeout di lock",
    ),
    (
        "it",
        "canceling statement due to statement timeout",
        "annullamento dell'istruzione a causa di timeout",
    ),
    (
        "it",
        "canceling statement due to user request",
        "annullamento dell'istruzione su richiesta dell'utente",
    ),
    (
        "it",
        "canceling autovacuum task",
        "annullamento del task di autovacuum",
    ),
    (
        "it",
        "terminating connection due to idle-in-transaction timeout",
        "la connessione è stata terminata a causa di timeout di inattività durante una transazione",
    ),
    (
        "it",
        "terminating connection due to idle-session timeout",
        "terminazione della connessione a causa del timeout della sessione inattiva",
    ),
    (
        "it",
        "terminating connection due to administrator command",
        "interruzione della connessione su comando dell'amministratore",
    ),
    (
        "it",
        "could not obtain lock on row in relation \"%s\"",
        "lock di riga nella relazione \"%s\" fallito",
    ),
    (
        "it",
        "could not obtain lock on relation \"%s\"",
        "lock della relazione \"%s\" fallito",
    ),
    (
        "it",
        "could not serialize access due to concurrent update",
        "serializzazione dell'accesso fallita a causa di modifiche concorrenti",
    ),
    (
        "it",
        "could not serialize access due to read/write dependencies among transactions",
        "serializzazione dell'accesso fallita a causa di dipendenze di lettura/scrittura tra le transazioni",
    ),
    (
        "it",
        "relation %u of database %u",
        "la relazione %u del database %u",
    ),
    (
        "it",
        "extension of relation %u of database %u",
        "l'estensione della relazione %u del database %u",
    ),
    (
        "it",
        "pg_database.datfrozenxid of database %u",
        "pg_database.datfrozenxid del database %u",
    ),
    (
        "it",
        "page %u of relation %u of database %u",
        "la pagina %u della relazione %u del database %u",
    ),
    (
        "it",
        "tuple (%u,%u) of relation %u of database %u",
        "la tupla (%u,%u) della relazione %u del database %u",
    ),
    ("it", "transaction %u", "la transazione %u"),
    (
        "it",
        "virtual transaction %d/%u",
        "la transazione virtuale %d/%u",
    ),
    (
        "it",
        "speculative token %u of transaction %u",
        "token speculativo %u della transazione %u",
    ),
    (
        "it",
        "object %u of class %u of database %u",
        "l'oggetto %u di classe %u del database %u",
    ),
    ("it", "user lock [%u,%u,%u]", "il lock utente [%u,%u,%u]"),
    (
        "it",
        "advisory lock [%u,%u,%u,%u]",
        "l'advisory lock [%u,%u,%u,%u]",
    ),
    (
        "it",
        "while updating tuple (%u,%u) in relation \"%s\"",
        "durante la modifica della tupla (%u,%u) nella relazione \"%s\"",
    ),
    (
        "it",
        "while deleting tuple (%u,%u) in relation \"%s\"",
        "durante l'eliminazione della tupla (%u,%u) nella relazione \"%s\"",
    ),
    (
        "it",
        "while locking tuple (%u,%u) in relation \"%s\"",
        "durante il blocco della tupla (%u,%u) nella relazione \"%s\"",
    ),
    (
        "it",
        "while locking updated version (%u,%u) of tuple in relation \"%s\"",
        "durante il blocco della versione modificata (%u,%u) della tupla nella relazione \"%s\"",
    ),
    (
        "it",
        "while inserting index tuple (%u,%u) in relation \"%s\"",
        "durante l'inserimento della tupla di indice (%u,%u) nella relazione \"%s\"",
    ),
    (
        "it",
        "while checking uniqueness of tuple (%u,%u) in relation \"%s\"",
        "durante il controllo di univocità della tupla (%u,%u) nella relazione \"%s\"",
    ),
    (
        "it",
        "while rechecking updated tuple (%u,%u) in relation \"%s\"",
        "durante il ricontrollo della tupla modificata (%u,%u) nella relazione \"%s\"",
    ),
    (
        "it",
        "while checking exclusion constraint on tuple (%u,%u) in relation \"%s\"",
        "durante il controllo del vincolo di esclusione sulla tupla (%u,%u) nella relazione \"%s\"",
    ),
    ("it", "duration: %s ms", "durata: %s ms"),
    (
        "it",
        "duration: %s ms  statement: %s",
        "durata: %s ms  istruzione: %s",
    ),
    ("it", "statement: %s", "istruzione: %s"),
    ("it", "execute", "esecuzione di"),
    ("it", "execute fetch from", "esecuzione di fetch da"),
    (
        "it",
        "connection authorized: user=%s",
        "connessione autorizzata: utente=%s",
    ),
    (
        "ja",
        "process %d still waiting for %s on %s after %ld.%03d ms",
        "プロセス%dは%sを%sで待機しています。%ld.%03dミリ秒後",
    ),
    (
        "ja",
        "process %d acquired %s on %s after %ld.%03d ms",
        "プロセス%1$dは%4$ld.%5$03d ms後に%3$s上の%2$sを獲得しました",
    ),
    (
        "ja",
        "process %d detected deadlock while waiting for %s on %s after %ld.%03d ms",
        "プロセス%1$dは、%3$s上の%2$sに対し%4$ld.%5$03d ms待機するデッドロックを検知しました",
    ),
    (
        "ja",
        "process %d avoided deadlock for %s on %s by rearranging queue order after %ld.%03d ms",
        "プロセス%1$dは、%4$ld.%5$03d ms後にキューの順番を再調整することで、%3$s上の%2$sに対するデッドロックを防ぎました。",
    ),
    (
        "ja",
        "process %d failed to acquire %s on %s after %ld.%03d ms",
        "プロセス%1$dは%4$ld.%5$03d ms後に%3$s上で%2$sを獲得することに失敗しました",
    ),
    ("ja", "deadlock detected", "デッドロックを検出しました"),
    (
        "ja",
        "Process %d waits for %s on %s; blocked by process %d.",
        "プロセス %d は %s を %s で待機していましたが、プロセス %d でブロックされました",
    ),
    ("ja", "Process %d: %s", "プロセス %d: %s"),
    (
        "ja",
        "canceling statement due to lock timeout",
        "ロックのタイムアウトのためステートメントをキャンセルしています",
    ),
    (
        "ja",
        "canceling statement due to statement timeout",
        "ステートメントのタイムアウトのためステートメントをキャンセルしています",
    ),
    (
        "ja",
        "canceling statement due to user request",
        "ユーザーからの要求により文をキャンセルしています",
    ),
    (
        "ja",
        "canceling autovacuum task",
        "自動VACUUM処理をキャンセルしています",
    ),
    (
        "ja",
        "terminating connection due to idle-in-transaction timeout",
        "トランザクション中アイドルタイムアウトのため接続を終了します",
    ),
    (
        "ja",
        "terminating connection due to idle-session timeout",
        "アイドルセッションタイムアウトにより接続を終了します",
    ),
    (
        "ja",
        "terminating connection due to administrator command",
        "管理者コマンドにより接続を終了しています",
    ),
    (
        "ja",
        "could not obtain lock on row in relation \"%s\"",
        "リレーション\"%s\"の行ロックを取得できませんでした",
    ),
    (
        "ja",
        "could not obtain lock on relation \"%s\"",
        "リレーション\"%s\"のロックを取得できませんでした",
    ),
    (
        "ja",
        "could not serialize access due to concurrent update",
        "更新が同時に行われたためアクセスの直列化ができませんでした",
    ),
    (
        "ja",
        "could not serialize access due to read/write dependencies among transactions",
        "トランザクション間で read/write の依存性があったため、アクセスの直列化ができませんでした",
    ),
    (
        "ja",
        "relation %u of database %u",
        "データベース%2$uのリレーション%1$u",
    ),
    (
        "ja",
        "extension of relation %u of database %u",
        "データベース%2$uのリレーション%1$uの拡張",
    ),
    (
        "ja",
        "pg_database.datfrozenxid of database %u",
        "データベース%uのpg_database.datfrozenxid",
    ),
    (
        "ja",
        "page %u of relation %u of database %u",
        "データベース%3$uのリレーション%2$uのページ%1$u",
    ),
    (
        "ja",
        "tuple (%u,%u) of relation %u of database %u",
        "データベース%4$uのリレーション%3$uのタプル(%2$u,%1$u)",
    ),
    ("ja", "transaction %u", "トランザクション %u"),
    (
        "ja",
        "virtual transaction %d/%u",
        "仮想トランザクション %d/%u",
    ),
    (
        "ja",
        "speculative token %u of transaction %u",
        "トランザクション%2$uの投機的書き込みトークン%1$u",
    ),
    (
        "ja",
        "object %u of class %u of database %u",
        "データベース%3$uのリレーション%2$uのオブジェクト%1$u",
    ),
    ("ja", "user lock [%u,%u,%u]", "ユーザーロック[%u,%u,%u]"),
    (
        "ja",
        "advisory lock [%u,%u,%u,%u]",
        "アドバイザリ・ロック[%u,%u,%u,%u]",
    ),
    (
        "ja",
        "while updating tuple (%u,%u) in relation \"%s\"",
        "リレーション\"%3$s\"のタプル(%1$u,%2$u)の更新中",
    ),
    (
        "ja",
        "while deleting tuple (%u,%u) in relation \"%s\"",
        "リレーション\"%3$s\"のタプル(%1$u,%2$u)の削除中",
    ),
    (
        "ja",
        "while locking tuple (%u,%u) in relation \"%s\"",
        "リレーション\"%3$s\"のタプル(%1$u,%2$u)のロック中",
    ),
    (
        "ja",
        "while locking updated version (%u,%u) of tuple in relation \"%s\"",
        "リレーション\"%3$s\"のタプルの更新後バージョン(%1$u,%2$u)のロック中",
    ),
    (
        "ja",
        "while inserting index tuple (%u,%u) in relation \"%s\"",
        "リレーション\"%3$s\"のインデックスタプル(%1$u,%2$u)の挿入中",
    ),
    (
        "ja",
        "while checking uniqueness of tuple (%u,%u) in relation \"%s\"",
        "リレーション\"%3$s\"のタプル(%1$u,%2$u)の一意性の確認中",
    ),
    (
        "ja",
        "while rechecking updated tuple (%u,%u) in relation \"%s\"",
        "リレーション\"%3$s\"の更新されたタプル(%1$u,%2$u)の再チェック中",
    ),
    (
        "ja",
        "while checking exclusion constraint on tuple (%u,%u) in relation \"%s\"",
        "リレーション\"%3$s\"のタプル(%1$u,%2$u)に対する排除制約のチェック中",
    ),
    ("ja", "duration: %s ms", "期間: %s ミリ秒"),
    (
        "ja",
        "duration: %s ms  statement: %s",
        "期間: %s ミリ秒  文: %s",
    ),
    ("ja", "statement: %s", "文: %s"),
    ("ja", "execute", "実行"),
    ("ja", "execute fetch from", "取り出し実行"),
    (
        "ja",
        "connection authorized: user=%s",
        "接続の認証完了: ユーザー=%s",
    ),
    ("ka", "deadlock detected", "ნაპოვნია ურთიერთბლოკირება"),
    ("ka", "Process %d: %s", "პროცესი %d: %s"),
    (
        "ka",
        "canceling statement due to lock timeout",
        "გამოსახულება გაუქმდება ბლოკის მოლოდინის ვადის ამოწურვის გამო",
    ),
    (
        "ka",
        "canceling autovacuum task",
        "ავტომომტვერსასრუტების ამოცანის გაუქმება",
    ),
    (
        "ka",
        "terminating connection due to administrator command",
        "მიერთების შეწყვეტა ადმინისტრატორის ბრძანების გამო",
    ),
    (
        "ka",
        "could not obtain lock on row in relation \"%s\"",
        "ურთიერთობაში \"%s\" მწკრივის დაბლოკვის შეცდომა",
    ),
    (
        "ka",
        "could not obtain lock on relation \"%s\"",
        "ბლოკის მიღების შეცდომა ურთიერთობაზე %s\"",
    ),
    (
        "ka",
        "could not serialize access due to concurrent update",
        "ერთდროული განახლების გამო წვდომის სერიალიზაცია შეუძლებელია",
    ),
    (
        "ka",
        "relation %u of database %u",
        "ურთიერთობა %u ბაზისთვის %u",
    ),
    (
        "ka",
        "extension of relation %u of database %u",
        "ურთიერთობის %u გაფართოება ბაზისთვის %u",
    ),
    (
        "ka",
        "pg_database.datfrozenxid of database %u",
        "pg_database.datfrozenxid ბაზისთვის %u",
    ),
    (
        "ka",
        "page %u of relation %u of database %u",
        "გვერდი %u ურთიერთობისთვის %u ბაზისთვის %u",
    ),
    ("ka", "transaction %u", "ტრანზაქცია %u"),
    (
        "ka",
        "virtual transaction %d/%u",
        "ვირტუალური ტრანზაქცია %d/%u",
    ),
    (
        "ka",
        "user lock [%u,%u,%u]",
        "მომხმარებლის ბლოკი [%u,%u,%u]",
    ),
    (
        "ka",
        "advisory lock [%u,%u,%u,%u]",
        "რეკომენდებული ბლოკი [%u,%u,%u,%u]",
    ),
    (
        "ka",
        "while updating tuple (%u,%u) in relation \"%s\"",
        "კორტეჟის (%u,%u) განახლებისას ურთიერთობაში \"%s\"",
    ),
    (
        "ka",
        "while deleting tuple (%u,%u) in relation \"%s\"",
        "კორტეჟის (%u,%u) წაშლისას ურთიერთობაში \"%s\"",
    ),
    (
        "ka",
        "while locking tuple (%u,%u) in relation \"%s\"",
        "კორტეჟის (%u,%u) დაბლოკვისას ურთიერთობაში \"%s\"",
    ),
    (
        "ka",
        "while locking updated version (%u,%u) of tuple in relation \"%s\"",
        "კორტეჟის (%u,%u) განახლებული ვერსიის დაბლოკვისას ურთიერთობაში \"%s\"",
    ),
    ("ka", "duration: %s ms", "ხანგრძლივობა: %s მწმ"),
    (
        "ka",
        "duration: %s ms  statement: %s",
        "ხანგრძლივობა: %s მწმ  გამოსახულება: %s",
    ),
    ("ka", "statement: %s", "ოპერატორი: %s"),
    ("ka", "execute", "გაშვება"),
    (
        "ka",
        "connection authorized: user=%s",
        "შეერთება ავტორიზებულია: მომხმარებელი=%s",
    ),
    (
        "ko",
        "process %d still waiting for %s on %s after %ld.%03d ms",
        "%d PID 프로세스에서 여전히 %s(%s) 작업을 기다리고 있음(%ld.%03dms 후)",
    ),
    (
        "ko",
        "process %d acquired %s on %s after %ld.%03d ms",
        "%d PID 프로세스가 %s(%s) 작업을 위해 잠금 취득함(%ld.%03dms 후)",
    ),
    (
        "ko",
        "process %d detected deadlock while waiting for %s on %s after %ld.%03d ms",
        "%d PID 프로세스에서 %s(%s) 대기중 %ld.%03dms 후에 교착 상태를 감지함",
    ),
    (
        "ko",
        "process %d avoided deadlock for %s on %s by rearranging queue order after %ld.%03d ms",
        "%d PID 프로세스는 %s(%s)에 대해 교착 상태가 발생하지 않도록 %ld.%03dms 후에 대기열 순서를 다시 조정함",
    ),
    (
        "ko",
        "process %d failed to acquire %s on %s after %ld.%03d ms",
        "프로세스 %d에서 %s(%s)을(를) 취득하지 못함(%ld.%03dms 후)",
    ),
    ("ko", "deadlock detected", "deadlock 발생했음"),
    (
        "ko",
        "Process %d waits for %s on %s; blocked by process %d.",
        "%d 프로세스가 %s 상태로 지연되고 있음(해당 작업: %s); %d 프로세스에 의해 블록킹되었음",
    ),
    ("ko", "Process %d: %s", "프로세스 %d: %s"),
    (
        "ko",
        "canceling statement due to lock timeout",
        "잠금 대기 시간 초과로 작업을 취소합니다.",
    ),
    (
        "ko",
        "canceling statement due to statement timeout",
        "명령실행시간 초과로 작업을 취소합니다.",
    ),
    (
        "ko",
        "canceling statement due to user request",
        "사용자 요청에 의해 작업을 취소합니다.",
    ),
    (
        "ko",
        "canceling autovacuum task",
        "자동 청소 작업을 취소하는 중",
    ),
    (
        "ko",
        "terminating connection due to idle-in-transaction timeout",
        "idle-in-transaction 시간 초과로 연결을 끝냅니다",
    ),
    (
        "ko",
        "terminating connection due to idle-session timeout",
        "idle-session 시간 초과로 연결을 끝냅니다",
    ),
    (
        "ko",
        "terminating connection due to administrator command",
        "관리자 요청에 의해서 연결을 끝냅니다",
    ),
    (
        "ko",
        "could not obtain lock on row in relation \"%s\"",
        "\"%s\" 릴레이션의 잠금 정보를 구할 수 없음",
    ),
    (
        "ko",
        "could not obtain lock on relation \"%s\"",
        "\"%s\" 릴레이션의 잠금 정보를 구할 수 없음",
    ),
    (
        "ko",
        "could not serialize access due to concurrent update",
        "동시 업데이트 때문에 순차적 액세스가 불가능합니다",
    ),
    (
        "ko",
        "could not serialize access due to read/write dependencies among transactions",
        "트랜잭션간 읽기/쓰기 의존성 때문에 serialize 접근을 할 수 없음",
    ),
    (
        "ko",
        "relation %u of database %u",
        "릴레이션 %u, 데이터베이스 %u",
    ),
    (
        "ko",
        "extension of relation %u of database %u",
        "%u 관계(%u 데이터베이스) 확장",
    ),
    (
        "ko",
        "pg_database.datfrozenxid of database %u",
        "데이터베이스 %u의 pg_database.datfrozenxid",
    ),
    (
        "ko",
        "page %u of relation %u of database %u",
        "페이지 %u, 릴레이션 %u, 데이터베이스 %u",
    ),
    (
        "ko",
        "tuple (%u,%u) of relation %u of database %u",
        "튜플 (%u,%u), 릴레이션 %u, 데이터베이스 %u",
    ),
    ("ko", "transaction %u", "트랜잭션 %u"),
    ("ko", "virtual transaction %d/%u", "가상 트랜잭션 %d/%u"),
    (
        "ko",
        "speculative token %u of transaction %u",
        "%u 위험한 토큰, 대상 트랜잭션 %u",
    ),
    (
        "ko",
        "object %u of class %u of database %u",
        "개체 %u, 클래스 %u, 데이터베이스 %u",
    ),
    (
        "ko",
        "while updating tuple (%u,%u) in relation \"%s\"",
        "%u,%u 튜플(해당 릴레이션 \"%s\")을 갱신하는 중에 발생",
    ),
    (
        "ko",
        "while deleting tuple (%u,%u) in relation \"%s\"",
        "%u,%u 튜플(해당 릴레이션 \"%s\")을 삭제하는 중에 발생",
    ),
    (
        "ko",
        "while locking tuple (%u,%u) in relation \"%s\"",
        "%u,%u 튜플을 \"%s\" 릴레이션에서 잠그는 중에 발생",
    ),
    (
        "ko",
        "while locking updated version (%u,%u) of tuple in relation \"%s\"",
        "%u,%u 업데이트된 버전 튜플(해당 릴레이션 \"%s\")을 잠그는 중에 발생",
    ),
    (
        "ko",
        "while inserting index tuple (%u,%u) in relation \"%s\"",
        "%u,%u 튜플 인덱스(해당 릴레이션 \"%s\")를 삽입하는 중에 발생",
    ),
    (
        "ko",
        "while checking uniqueness of tuple (%u,%u) in relation \"%s\"",
        "%u,%u 튜플(해당 릴레이션: \"%s\")의 고유성을 검사하는 중에 발생",
    ),
    (
        "ko",
        "while rechecking updated tuple (%u,%u) in relation \"%s\"",
        "%u,%u 갱신된 튜플(해당 릴레이션: \"%s\")을 재확인하는 중에 발생",
    ),
    (
        "ko",
        "while checking exclusion constraint on tuple (%u,%u) in relation \"%s\"",
        "%u,%u 튜플(해당 릴레이션: \"%s\")의 제외 제약 조건을 검사하는 중에 발생",
    ),
    ("ko", "duration: %s ms", "실행시간: %s ms"),
    (
        "ko",
        "duration: %s ms  statement: %s",
        "실행시간: %s ms  명령 구문: %s",
    ),
    ("ko", "statement: %s", "명령 구문: %s"),
    ("ko", "execute", "쿼리실행"),
    ("ko", "execute fetch from", "자료뽑기"),
    ("ko", "connection authorized: user=%s", "연결 인증: user=%s"),
    (
        "ru",
        "process %d still waiting for %s on %s after %ld.%03d ms",
        "процесс %d продолжает ожидать в режиме %s блокировку \"%s\" в течение %ld.%03d мс",
    ),
    (
        "ru",
        "process %d acquired %s on %s after %ld.%03d ms",
        "процесс %d получил в режиме %s блокировку \"%s\" через %ld.%03d мс",
    ),
    (
        "ru",
        "process %d detected deadlock while waiting for %s on %s after %ld.%03d ms",
        "процесс %d обнаружил взаимоблокировку, ожидая в режиме %s блокировку \"%s\" в течение %ld.%03d мс",
    ),
    (
        "ru",
        "process %d avoided deadlock for %s on %s by rearranging queue order after %ld.%03d ms",
        "процесс %d избежал взаимоблокировки, ожидая в режиме %s блокировку \"%s\", изменив порядок очереди через %ld.%03d мс",
    ),
    (
        "ru",
        "process %d failed to acquire %s on %s after %ld.%03d ms",
        "процесс %d не смог получить в режиме %s блокировку \"%s\" за %ld.%03d мс",
    ),
    ("ru", "deadlock detected", "обнаружена взаимоблокировка"),
    (
        "ru",
        "Process %d waits for %s on %s; blocked by process %d.",
        "Процесс %d ожидает в режиме %s блокировку \"%s\"; заблокирован процессом %d.",
    ),
    ("ru", "Process %d: %s", "Процесс %d: %s"),
    (
        "ru",
        "canceling statement due to lock timeout",
        "выполнение оператора отменено из-за тайм-аута блокировки",
    ),
    (
        "ru",
        "canceling statement due to statement timeout",
        "выполнение оператора отменено из-за тайм-аута",
    ),
    (
        "ru",
        "canceling statement due to user request",
        "выполнение оператора отменено по запросу пользователя",
    ),
    (
        "ru",
        "canceling autovacuum task",
        "отмена задачи автоочистки",
    ),
    (
        "ru",
        "terminating connection due to idle-in-transaction timeout",
        "закрытие подключения из-за тайм-аута простоя в транзакции",
    ),
    (
        "ru",
        "terminating connection due to idle-session timeout",
        "закрытие подключения из-за тайм-аута простоя сеанса",
    ),
    (
        "ru",
        "terminating connection due to administrator command",
        "закрытие подключения по команде администратора",
    ),
    (
        "ru",
        "could not obtain lock on row in relation \"%s\"",
        "не удалось получить блокировку строки в таблице \"%s\"",
    ),
    (
        "ru",
        "could not obtain lock on relation \"%s\"",
        "не удалось получить блокировку таблицы \"%s\"",
    ),
    (
        "ru",
        "could not serialize access due to concurrent update",
        "не удалось сериализовать доступ из-за параллельного изменения",
    ),
    (
        "ru",
        "could not serialize access due to read/write dependencies among transactions",
        "не удалось сериализовать доступ из-за зависимостей чтения/записи между транзакциями",
    ),
    (
        "ru",
        "relation %u of database %u",
        "отношение %u базы данных %u",
    ),
    (
        "ru",
        "extension of relation %u of database %u",
        "расширение отношения %u базы данных %u",
    ),
    (
        "ru",
        "pg_database.datfrozenxid of database %u",
        "pg_database.datfrozenxid базы %u",
    ),
    (
        "ru",
        "page %u of relation %u of database %u",
        "страница %u отношения %u базы данных %u",
    ),
    (
        "ru",
        "tuple (%u,%u) of relation %u of database %u",
        "кортеж (%u,%u) отношения %u базы данных %u",
    ),
    ("ru", "transaction %u", "транзакция %u"),
    (
        "ru",
        "virtual transaction %d/%u",
        "виртуальная транзакция %d/%u",
    ),
    (
        "ru",
        "speculative token %u of transaction %u",
        "спекулятивный маркер %u транзакции %u",
    ),
    (
        "ru",
        "object %u of class %u of database %u",
        "объект %u класса %u базы данных %u",
    ),
    (
        "ru",
        "user lock [%u,%u,%u]",
        "пользовательская блокировка [%u,%u,%u]",
    ),
    (
        "ru",
        "advisory lock [%u,%u,%u,%u]",
        "рекомендательная блокировка [%u,%u,%u,%u]",
    ),
    (
        "ru",
        "while updating tuple (%u,%u) in relation \"%s\"",
        "при изменении кортежа (%u,%u) в отношении \"%s\"",
    ),
    (
        "ru",
        "while deleting tuple (%u,%u) in relation \"%s\"",
        "при удалении кортежа (%u,%u) в отношении \"%s\"",
    ),
    (
        "ru",
        "while locking tuple (%u,%u) in relation \"%s\"",
        "при блокировке кортежа (%u,%u) в отношении \"%s\"",
    ),
    (
        "ru",
        "while locking updated version (%u,%u) of tuple in relation \"%s\"",
        "при блокировке изменённой версии (%u,%u) кортежа в отношении \"%s\"",
    ),
    (
        "ru",
        "while inserting index tuple (%u,%u) in relation \"%s\"",
        "при добавлении кортежа индекса (%u,%u) в отношении \"%s\"",
    ),
    (
        "ru",
        "while checking uniqueness of tuple (%u,%u) in relation \"%s\"",
        "при проверке уникальности кортежа (%u,%u) в отношении \"%s\"",
    ),
    (
        "ru",
        "while rechecking updated tuple (%u,%u) in relation \"%s\"",
        "при перепроверке изменённого кортежа (%u,%u) в отношении \"%s\"",
    ),
    (
        "ru",
        "while checking exclusion constraint on tuple (%u,%u) in relation \"%s\"",
        "при проверке ограничения-исключения для кортежа (%u,%u) в отношении \"%s\"",
    ),
    ("ru", "duration: %s ms", "продолжительность: %s мс"),
    (
        "ru",
        "duration: %s ms  statement: %s",
        "продолжительность: %s мс, оператор: %s",
    ),
    ("ru", "statement: %s", "оператор: %s"),
    ("ru", "execute", "выполнение"),
    ("ru", "execute fetch from", "выборка из"),
    (
        "ru",
        "connection authorized: user=%s",
        "подключение авторизовано: пользователь=%s",
    ),
    (
        "sv",
        "process %d still waiting for %s on %s after %ld.%03d ms",
        "process %d väntar fortfarande på %s för %s efter %ld.%03d ms",
    ),
    (
        "sv",
        "process %d acquired %s on %s after %ld.%03d ms",
        "process %d fick %s på %s efter %ld.%03d ms",
    ),
    (
        "sv",
        "process %d detected deadlock while waiting for %s on %s after %ld.%03d ms",
        "process %d upptäckte deadlock medan den väntade på %s för %s efter %ld.%03d ms",
    ),
    (
        "sv",
        "process %d avoided deadlock for %s on %s by rearranging queue order after %ld.%03d ms",
        "process %d undvek deadlock på %s för %s genom att kasta om köordningen efter %ld.%03d ms",
    ),
    (
        "sv",
        "process %d failed to acquire %s on %s after %ld.%03d ms",
        "process %d misslyckades att ta %s på %s efter %ld.%03d ms",
    ),
    ("sv", "deadlock detected", "deadlock upptäckt"),
    (
        "sv",
        "Process %d waits for %s on %s; blocked by process %d.",
        "Process %d väntar på %s för %s; blockerad av process %d.",
    ),
    (
        "sv",
        "canceling statement due to lock timeout",
        "avbryter sats på grund av lås-timeout",
    ),
    (
        "sv",
        "canceling statement due to statement timeout",
        "avbryter sats på grund av sats-timeout",
    ),
    (
        "sv",
        "canceling statement due to user request",
        "avbryter sats på användares begäran",
    ),
    (
        "sv",
        "canceling autovacuum task",
        "avbryter autovacuum-uppgift",
    ),
    (
        "sv",
        "terminating connection due to idle-in-transaction timeout",
        "terminerar anslutning på grund av idle-in-transaction-timeout",
    ),
    (
        "sv",
        "terminating connection due to idle-session timeout",
        "stänger anslutning på grund av idle-session-timeout",
    ),
    (
        "sv",
        "terminating connection due to administrator command",
        "avslutar anslutning på grund av ett administratörskommando",
    ),
    (
        "sv",
        "could not obtain lock on row in relation \"%s\"",
        "kunde inte låsa rad i relationen \"%s\"",
    ),
    (
        "sv",
        "could not obtain lock on relation \"%s\"",
        "kunde inte ta lås på relationen \"%s\"",
    ),
    (
        "sv",
        "could not serialize access due to concurrent update",
        "kunde inte serialisera åtkomst på grund av samtidig uppdatering",
    ),
    (
        "sv",
        "could not serialize access due to read/write dependencies among transactions",
        "kunde inte serialisera åtkomst på grund av läs/skriv-beroenden bland transaktionerna",
    ),
    (
        "sv",
        "relation %u of database %u",
        "relation %u i databasen %u",
    ),
    (
        "sv",
        "extension of relation %u of database %u",
        "utökning av relation %u i databas %u",
    ),
    (
        "sv",
        "pg_database.datfrozenxid of database %u",
        "pg_database.datfrozenxid för databas %u",
    ),
    (
        "sv",
        "page %u of relation %u of database %u",
        "sida %u i relation %u i databas %u",
    ),
    (
        "sv",
        "tuple (%u,%u) of relation %u of database %u",
        "tuple (%u,%u) i relation %u i databas %u",
    ),
    ("sv", "transaction %u", "transaktion %u"),
    (
        "sv",
        "virtual transaction %d/%u",
        "vituell transaktion %d/%u",
    ),
    (
        "sv",
        "speculative token %u of transaction %u",
        "spekulativ token %u för transaktion %u",
    ),
    (
        "sv",
        "object %u of class %u of database %u",
        "objekt %u av klass %u i databas %u",
    ),
    ("sv", "user lock [%u,%u,%u]", "användarlås [%u,%u,%u]"),
    (
        "sv",
        "advisory lock [%u,%u,%u,%u]",
        "rådgivande lås [%u,%u,%u,%u]",
    ),
    (
        "sv",
        "while updating tuple (%u,%u) in relation \"%s\"",
        "vid uppdatering av tupel (%u,%u) i relation \"%s\"",
    ),
    (
        "sv",
        "while deleting tuple (%u,%u) in relation \"%s\"",
        "vid borttagning av tupel (%u,%u) i relation \"%s\"",
    ),
    (
        "sv",
        "while locking tuple (%u,%u) in relation \"%s\"",
        "vid låsning av tupel (%u,%u) i relation \"%s\"",
    ),
    (
        "sv",
        "while locking updated version (%u,%u) of tuple in relation \"%s\"",
        "vid låsning av uppdaterad version (%u,%u) av tupel i relation \"%s\"",
    ),
    (
        "sv",
        "while inserting index tuple (%u,%u) in relation \"%s\"",
        "vid insättning av indextupel (%u,%u) i relation \"%s\"",
    ),
    (
        "sv",
        "while checking uniqueness of tuple (%u,%u) in relation \"%s\"",
        "vid kontroll av unikhet av tupel (%u,%u) i relation \"%s\"",
    ),
    (
        "sv",
        "while rechecking updated tuple (%u,%u) in relation \"%s\"",
        "vid återkontroll av uppdaterad tupel (%u,%u) i relation \"%s\"",
    ),
    (
        "sv",
        "while checking exclusion constraint on tuple (%u,%u) in relation \"%s\"",
        "vid kontroll av uteslutningsvillkor av tupel (%u,%u) i relation \"%s\"",
    ),
    ("sv", "duration: %s ms", "varaktighet %s ms"),
    (
        "sv",
        "duration: %s ms  statement: %s",
        "varaktighet: %s ms  sats: %s",
    ),
    ("sv", "statement: %s", "sats: %s"),
    ("sv", "execute", "kör"),
    ("sv", "execute fetch from", "kör hämtning från"),
    (
        "sv",
        "connection authorized: user=%s",
        "anslutning auktoriserad: användare=%s",
    ),
    (
        "uk",
        "process %d still waiting for %s on %s after %ld.%03d ms",
        "процес %d все ще чекає в режимі %s блокування %s після %ld.%03d мс",
    ),
    (
        "uk",
        "process %d acquired %s on %s after %ld.%03d ms",
        "процес %d отримав в режимі %s блокування %s після %ld.%03d мс",
    ),
    (
        "uk",
        "process %d detected deadlock while waiting for %s on %s after %ld.%03d ms",
        "процес %d виявив взаємне блокування, чекаючи в режимі %s блокування %s після %ld.%03d мс",
    ),
    (
        "uk",
        "process %d avoided deadlock for %s on %s by rearranging queue order after %ld.%03d ms",
        "процес %d уникнув взаємного блокування, чекаючи в режимі %s блокування %s змінивши порядок черги після %ld.%03d мс",
    ),
    (
        "uk",
        "process %d failed to acquire %s on %s after %ld.%03d ms",
        "процес %d не зміг отримати в режимі %s блокування %s після %ld.%03d мс",
    ),
    ("uk", "deadlock detected", "виявлено взаємне блокування"),
    (
        "uk",
        "Process %d waits for %s on %s; blocked by process %d.",
        "Процес %d очікує в режимі %s блокування \"%s\"; заблокований процесом %d.",
    ),
    ("uk", "Process %d: %s", "Процес %d: %s"),
    (
        "uk",
        "canceling statement due to lock timeout",
        "виконання оператора скасовано через тайм-аут блокування",
    ),
    (
        "uk",
        "canceling statement due to statement timeout",
        "виконання оператора скасовано через тайм-аут",
    ),
    (
        "uk",
        "canceling statement due to user request",
        "виконання оператора скасовано по запиту користувача",
    ),
    (
        "uk",
        "canceling autovacuum task",
        "скасування завдання автоочистки",
    ),
    (
        "uk",
        "terminating connection due to idle-in-transaction timeout",
        "завершення підключення через тайм-аут бездіяльності в транзакції",
    ),
    (
        "uk",
        "terminating connection due to idle-session timeout",
        "завершення підключення через тайм-аут неактивного сеансу",
    ),
    (
        "uk",
        "terminating connection due to administrator command",
        "завершення підключення по команді адміністратора",
    ),
    (
        "uk",
        "could not obtain lock on row in relation \"%s\"",
        "не вдалося отримати блокування у рядку стосовно \"%s\"",
    ),
    (
        "uk",
        "could not obtain lock on relation \"%s\"",
        "не вдалося отримати блокування зв'язку \"%s\"",
    ),
    (
        "uk",
        "could not serialize access due to concurrent update",
        "не вдалося серіалізувати доступ через паралельне оновлення",
    ),
    (
        "uk",
        "could not serialize access due to read/write dependencies among transactions",
        "не вдалося серіалізувати доступ через залежність читання/запису серед транзакцій",
    ),
    (
        "uk",
        "relation %u of database %u",
        "відношення %u бази даних %u",
    ),
    (
        "uk",
        "extension of relation %u of database %u",
        "розширення відношення %u бази даних %u",
    ),
    (
        "uk",
        "pg_database.datfrozenxid of database %u",
        "pg_database.datfrozenxid бази даних %u",
    ),
    (
        "uk",
        "page %u of relation %u of database %u",
        "сторінка %u відношення %u бази даних %u",
    ),
    (
        "uk",
        "tuple (%u,%u) of relation %u of database %u",
        "кортеж (%u,%u) відношення %u бази даних %u",
    ),
    ("uk", "transaction %u", "транзакція %u"),
    (
        "uk",
        "virtual transaction %d/%u",
        "віртуальна транзакція %d/%u",
    ),
    (
        "uk",
        "speculative token %u of transaction %u",
        "орієнтовний маркер %u транзакції %u",
    ),
    (
        "uk",
        "object %u of class %u of database %u",
        "об’єкт %u класу %u бази даних %u",
    ),
    (
        "uk",
        "user lock [%u,%u,%u]",
        "користувацьке блокування [%u,%u,%u]",
    ),
    (
        "uk",
        "advisory lock [%u,%u,%u,%u]",
        "рекомендаційне блокування [%u,%u,%u,%u]",
    ),
    (
        "uk",
        "while updating tuple (%u,%u) in relation \"%s\"",
        "при оновленні кортежу (%u,%u) в зв'язку \"%s\"",
    ),
    (
        "uk",
        "while deleting tuple (%u,%u) in relation \"%s\"",
        "при видаленні кортежу (%u,%u) в зв'язку \"%s\"",
    ),
    (
        "uk",
        "while locking tuple (%u,%u) in relation \"%s\"",
        "при блокуванні кортежу (%u,%u) в зв'язку \"%s\"",
    ),
    (
        "uk",
        "while locking updated version (%u,%u) of tuple in relation \"%s\"",
        "при блокуванні оновленої версії (%u,%u) кортежу в зв'язку \"%s\"",
    ),
    (
        "uk",
        "while inserting index tuple (%u,%u) in relation \"%s\"",
        "при вставці кортежу індексу (%u,%u) в зв'язку \"%s\"",
    ),
    (
        "uk",
        "while checking uniqueness of tuple (%u,%u) in relation \"%s\"",
        "під час перевірки унікальності кортежа (%u,%u) у відношенні \"%s\"",
    ),
    (
        "uk",
        "while rechecking updated tuple (%u,%u) in relation \"%s\"",
        "під час повторної перевірки оновленого кортежа (%u,%u) у відношенні \"%s\"",
    ),
    (
        "uk",
        "while checking exclusion constraint on tuple (%u,%u) in relation \"%s\"",
        "під час перевірки обмеження-виключення для кортежа (%u,%u) у відношенні \"%s\"",
    ),
    ("uk", "duration: %s ms", "тривалість: %s мс"),
    (
        "uk",
        "duration: %s ms  statement: %s",
        "тривалість: %s мс, оператор: %s",
    ),
    ("uk", "statement: %s", "оператор: %s"),
    ("uk", "execute", "виконувати"),
    ("uk", "execute fetch from", "виконати витягнення з"),
    (
        "uk",
        "connection authorized: user=%s",
        "підключення авторизовано: користувач=%s",
    ),
    (
        "zh_CN",
        "process %d still waiting for %s on %s after %ld.%03d ms",
        "进程%1$d在%4$ld.%5$03d ms仍然等待在%3$s上的%2$s",
    ),
    (
        "zh_CN",
        "process %d acquired %s on %s after %ld.%03d ms",
        "进程%1$d在%4$ld.%5$03d ms后获取在%3$s上的%2$s",
    ),
    (
        "zh_CN",
        "process %d detected deadlock while waiting for %s on %s after %ld.%03d ms",
        "进程%1$d在%4$ld.%5$03d ms等待在%3$s上的%2$s同时监测到死锁",
    ),
    (
        "zh_CN",
        "process %d avoided deadlock for %s on %s by rearranging queue order after %ld.%03d ms",
        "进程%1$d在%4$ld.%5$03d ms通过重新安排序列顺序来避免在%3$s上的%2$s的死锁",
    ),
    (
        "zh_CN",
        "process %d failed to acquire %s on %s after %ld.%03d ms",
        "进程%1$d在%4$ld.%5$03d ms后获取在%3$s上的%2$s失败",
    ),
    ("zh_CN", "deadlock detected", "检测到死锁"),
    (
        "zh_CN",
        "Process %d waits for %s on %s; blocked by process %d.",
        "进程%1$d等待在%3$s上的%2$s; 由进程%4$d阻塞.",
    ),
    ("zh_CN", "Process %d: %s", "进程 %d: %s"),
    (
        "zh_CN",
        "canceling statement due to lock timeout",
        "由于锁超时，取消语句操作",
    ),
    (
        "zh_CN",
        "canceling statement due to statement timeout",
        "由于语句执行超时，正在取消查询命令",
    ),
    (
        "zh_CN",
        "canceling statement due to user request",
        "由于用户请求而正在取消查询",
    ),
    ("zh_CN", "canceling autovacuum task", "正在取消自动清理任务"),
    (
        "zh_CN",
        "terminating connection due to idle-in-transaction timeout",
        "由于空载事务超时而终止连接",
    ),
    (
        "zh_CN",
        "terminating connection due to administrator command",
        "由于管理员命令中断联接",
    ),
    (
        "zh_CN",
        "could not obtain lock on row in relation \"%s\"",
        "无法在关系 \"%s\"中的记录上获得锁",
    ),
    (
        "zh_CN",
        "could not obtain lock on relation \"%s\"",
        "无法在关系 \"%s\" 上获得锁",
    ),
    (
        "zh_CN",
        "could not serialize access due to concurrent update",
        "由于同步更新而无法串行访问",
    ),
    (
        "zh_CN",
        "could not serialize access due to read/write dependencies among transactions",
        "由于多个事务间的读/写依赖而无法串行访问",
    ),
    (
        "zh_CN",
        "relation %u of database %u",
        "数据库%2$u的关系%1$u",
    ),
    (
        "zh_CN",
        "extension of relation %u of database %u",
        "数据库%2$u的关系%1$u的扩展",
    ),
    (
        "zh_CN",
        "page %u of relation %u of database %u",
        "数据库%3$u的关系%2$u的页%1$u",
    ),
    (
        "zh_CN",
        "tuple (%u,%u) of relation %u of database %u",
        "数据库%4$u的关系%3$u中的元组(%1$u,%2$u)",
    ),
    ("zh_CN", "transaction %u", "事务 %u"),
    ("zh_CN", "virtual transaction %d/%u", "虚拟事务 %d/%u"),
    (
        "zh_CN",
        "speculative token %u of transaction %u",
        "事务%2$u的推测记号是%1$u",
    ),
    (
        "zh_CN",
        "object %u of class %u of database %u",
        "数据库%3$u的类%2$u的对象%1$u",
    ),
    ("zh_CN", "user lock [%u,%u,%u]", "用户锁[%u,%u,%u]"),
    (
        "zh_CN",
        "advisory lock [%u,%u,%u,%u]",
        "建议锁 [%u,%u,%u,%u]",
    ),
    (
        "zh_CN",
        "while updating tuple (%u,%u) in relation \"%s\"",
        "当更新关系\"%3$s\"的元组(%1$u, %2$u)时",
    ),
    (
        "zh_CN",
        "while deleting tuple (%u,%u) in relation \"%s\"",
        "当删除关系\"%3$s\"的元组(%1$u, %2$u)时",
    ),
    (
        "zh_CN",
        "while locking tuple (%u,%u) in relation \"%s\"",
        "当锁定关系\"%3$s\"的元组(%1$u, %2$u)时",
    ),
    (
        "zh_CN",
        "while locking updated version (%u,%u) of tuple in relation \"%s\"",
        "在锁定关系\"%3$s\"中的元组的更新版本 (%1$u,%2$u) 时",
    ),
    (
        "zh_CN",
        "while inserting index tuple (%u,%u) in relation \"%s\"",
        "在往关系\"%3$s\"中插入索引元组 (%1$u,%2$u) 时",
    ),
    (
        "zh_CN",
        "while checking uniqueness of tuple (%u,%u) in relation \"%s\"",
        "在检查关系\"%3$s\"中元组(%1$u, %2$u)的唯一性时",
    ),
    (
        "zh_CN",
        "while rechecking updated tuple (%u,%u) in relation \"%s\"",
        "重新检查关系 \"%3$s\"中已更新的元组(%1$u, %2$u)时",
    ),
    (
        "zh_CN",
        "while checking exclusion constraint on tuple (%u,%u) in relation \"%s\"",
        "在检查关系\"%3$s\"中的元组(%1$u, %2$u)的排它性依赖时",
    ),
    ("zh_CN", "duration: %s ms", "执行时间: %s ms"),
    (
        "zh_CN",
        "duration: %s ms  statement: %s",
        "执行时间: %s ms 语句: %s",
    ),
    ("zh_CN", "statement: %s", "语句: %s"),
    ("zh_CN", "execute", "执行"),
    ("zh_CN", "execute fetch from", "执行FETCH操作"),
];

/// (language, English label, translation): severities and the labels of a message's parts.
pub const LABELS: &[(&str, &str, &str)] = &[
    ("de", "NOTICE", "HINWEIS"),
    ("de", "WARNING", "WARNUNG"),
    ("de", "ERROR", "FEHLER"),
    ("de", "PANIC", "PANIK"),
    ("de", "HINT", "TIPP"),
    ("de", "QUERY", "ANFRAGE"),
    ("de", "CONTEXT", "ZUSAMMENHANG"),
    ("de", "LOCATION", "ORT"),
    ("de", "STATEMENT", "ANWEISUNG"),
    ("es", "DETAIL", "DETALLE"),
    ("es", "QUERY", "CONSULTA"),
    ("es", "CONTEXT", "CONTEXTO"),
    ("es", "LOCATION", "UBICACIÓN"),
    ("es", "STATEMENT", "SENTENCIA"),
    ("fr", "WARNING", "ATTENTION"),
    ("fr", "ERROR", "ERREUR"),
    ("fr", "DETAIL", "DÉTAIL"),
    ("fr", "HINT", "ASTUCE"),
    ("fr", "QUERY", "REQUÊTE"),
    ("fr", "CONTEXT", "CONTEXTE"),
    ("fr", "LOCATION", "EMPLACEMENT"),
    ("fr", "STATEMENT", "INSTRUCTION"),
    ("fr", "BACKTRACE", "PILE D'APPEL"),
    ("it", "NOTICE", "NOTIFICA"),
    ("it", "WARNING", "ATTENZIONE"),
    ("it", "ERROR", "ERRORE"),
    ("it", "FATAL", "FATALE"),
    ("it", "PANIC", "PANICO"),
    ("it", "DETAIL", "DETTAGLI"),
    ("it", "HINT", "SUGGERIMENTO"),
    ("it", "CONTEXT", "CONTESTO"),
    ("it", "LOCATION", "POSIZIONE"),
    ("it", "STATEMENT", "ISTRUZIONE"),
    ("ja", "DETAIL", "詳細"),
    ("ja", "HINT", "ヒント"),
    ("ja", "QUERY", "問い合わせ"),
    ("ja", "CONTEXT", "文脈"),
    ("ja", "LOCATION", "場所"),
    ("ja", "STATEMENT", "文"),
    ("ja", "BACKTRACE", "バックトレース"),
    ("ka", "DEBUG", "გამართვა"),
    ("ka", "LOG", "ჟურნალი"),
    ("ka", "INFO", "ინფორმაცია"),
    ("ka", "NOTICE", "გაფრთხილება"),
    ("ka", "WARNING", "გაფრთხილება"),
    ("ka", "ERROR", "შეცდომა"),
    ("ka", "FATAL", "ფატალური"),
    ("ka", "PANIC", "პანიკა"),
    ("ka", "DETAIL", "დეტალები"),
    ("ka", "HINT", "მინიშნება"),
    ("ka", "QUERY", "მოთხოვნა"),
    ("ka", "CONTEXT", "კონტექსტი"),
    ("ka", "LOCATION", "მდებარეობა"),
    ("ka", "STATEMENT", "ოპერატორი"),
    ("ka", "BACKTRACE", "სტეკი"),
    ("ko", "DEBUG", "디버그"),
    ("ko", "LOG", "로그"),
    ("ko", "INFO", "정보"),
    ("ko", "NOTICE", "알림"),
    ("ko", "WARNING", "경고"),
    ("ko", "ERROR", "오류"),
    ("ko", "FATAL", "치명적오류"),
    ("ko", "PANIC", "손상"),
    ("ko", "DETAIL", "상세정보"),
    ("ko", "HINT", "힌트"),
    ("ko", "QUERY", "쿼리"),
    ("ko", "CONTEXT", "내용"),
    ("ko", "LOCATION", "위치"),
    ("ko", "STATEMENT", "명령 구문"),
    ("ko", "BACKTRACE", "역추적"),
    ("ru", "DEBUG", "ОТЛАДКА"),
    ("ru", "LOG", "СООБЩЕНИЕ"),
    ("ru", "INFO", "ИНФОРМАЦИЯ"),
    ("ru", "NOTICE", "ЗАМЕЧАНИЕ"),
    ("ru", "WARNING", "ПРЕДУПРЕЖДЕНИЕ"),
    ("ru", "ERROR", "ОШИБКА"),
    ("ru", "FATAL", "ВАЖНО"),
    ("ru", "PANIC", "ПАНИКА"),
    ("ru", "DETAIL", "ПОДРОБНОСТИ"),
    ("ru", "HINT", "ПОДСКАЗКА"),
    ("ru", "QUERY", "ЗАПРОС"),
    ("ru", "CONTEXT", "КОНТЕКСТ"),
    ("ru", "LOCATION", "ПОЛОЖЕНИЕ"),
    ("ru", "STATEMENT", "ОПЕРАТОР"),
    ("ru", "BACKTRACE", "СТЕК"),
    ("sv", "LOG", "LOGG"),
    ("sv", "NOTICE", "NOTIS"),
    ("sv", "WARNING", "VARNING"),
    ("sv", "ERROR", "FEL"),
    ("sv", "FATAL", "FATALT"),
    ("sv", "PANIC", "PANIK"),
    ("sv", "DETAIL", "DETALJ"),
    ("sv", "HINT", "TIPS"),
    ("sv", "QUERY", "FRÅGA"),
    ("sv", "CONTEXT", "KONTEXT"),
    ("sv", "LOCATION", "PLATS"),
    ("sv", "STATEMENT", "SATS"),
    ("uk", "DEBUG", "НАЛАГОДЖЕННЯ"),
    ("uk", "LOG", "ЗАПИСУВАННЯ"),
    ("uk", "INFO", "ІНФОРМАЦІЯ"),
    ("uk", "NOTICE", "ПОВІДОМЛЕННЯ"),
    ("uk", "WARNING", "ПОПЕРЕДЖЕННЯ"),
    ("uk", "ERROR", "ПОМИЛКА"),
    ("uk", "FATAL", "ФАТАЛЬНО"),
    ("uk", "PANIC", "ПАНІКА"),
    ("uk", "DETAIL", "ВІДОМОСТІ"),
    ("uk", "HINT", "УКАЗІВКА"),
    ("uk", "QUERY", "ЗАПИТ"),
    ("uk", "CONTEXT", "КОНТЕКСТ"),
    ("uk", "LOCATION", "РОЗТАШУВАННЯ"),
    ("uk", "STATEMENT", "ІНСТРУКЦІЯ"),
    ("uk", "BACKTRACE", "ВІДСТЕЖУВАТИ"),
    ("zh_CN", "DEBUG", "调试"),
    ("zh_CN", "LOG", "日志"),
    ("zh_CN", "INFO", "信息"),
    ("zh_CN", "NOTICE", "注意"),
    ("zh_CN", "WARNING", "警告"),
    ("zh_CN", "ERROR", "错误"),
    ("zh_CN", "FATAL", "致命错误"),
    ("zh_CN", "PANIC", "比致命错误还过分的错误"),
    ("zh_CN", "DETAIL", "详细信息"),
    ("zh_CN", "HINT", "提示"),
    ("zh_CN", "QUERY", "查询"),
    ("zh_CN", "CONTEXT", "上下文"),
    ("zh_CN", "LOCATION", "位置"),
    ("zh_CN", "STATEMENT", "语句"),
];

/// Labels from older catalogs (PostgreSQL 8.x to 9.x Japanese) still seen in
/// long-lived installations.
const OLD_LABELS: &[(&str, &str)] = &[
    ("ログ", "LOG"),
    ("情報", "INFO"),
    ("注意", "NOTICE"),
    ("警告", "WARNING"),
    ("エラー", "ERROR"),
    ("致命的エラー", "FATAL"),
    ("パニック", "PANIC"),
    ("デバッグ", "DEBUG"),
    ("クエリー", "QUERY"),
    ("コンテキスト", "CONTEXT"),
    ("ステートメント", "STATEMENT"),
];

fn english_label(w: &str) -> Option<Label> {
    if let Some(s) = Severity::from_english(w) {
        return Some(Label::Primary(s));
    }
    Some(Label::Part(match w {
        "DETAIL" => Part::Detail,
        "HINT" => Part::Hint,
        "QUERY" => Part::Query,
        "CONTEXT" => Part::Context,
        "LOCATION" => Part::Location,
        "STATEMENT" => Part::Statement,
        "BACKTRACE" => Part::Backtrace,
        _ => return None,
    }))
}

struct LabelTable {
    words: HashMap<&'static str, Label>,
    /// Labels holding a separator (`명령 구문`, `PILE D'APPEL`).
    spaced: Vec<(&'static str, Label)>,
    longest: usize,
}

static LABEL_TABLE: LazyLock<LabelTable> = LazyLock::new(|| {
    let mut words = HashMap::default();
    let mut spaced = Vec::new();
    let english = [
        "LOG",
        "INFO",
        "NOTICE",
        "WARNING",
        "ERROR",
        "FATAL",
        "PANIC",
        "DEBUG",
        "DEBUG1",
        "DEBUG2",
        "DEBUG3",
        "DEBUG4",
        "DEBUG5",
        "DETAIL",
        "HINT",
        "QUERY",
        "CONTEXT",
        "LOCATION",
        "STATEMENT",
        "BACKTRACE",
    ];
    let mut all: Vec<(&'static str, Label)> = english
        .iter()
        .filter_map(|w| english_label(w).map(|l| (*w, l)))
        .collect();
    for (_, en, tr) in LABELS.iter().copied() {
        if let Some(l) = english_label(en) {
            all.push((tr, l));
        }
    }
    for (tr, en) in OLD_LABELS.iter().copied() {
        if let Some(l) = english_label(en) {
            all.push((tr, l));
        }
    }
    let mut longest = 0;
    for (w, l) in all {
        longest = longest.max(w.len());
        if w.contains([' ', '\'']) {
            spaced.push((w, l));
        } else {
            words.entry(w).or_insert(l);
        }
    }
    LabelTable {
        words,
        spaced,
        longest,
    }
});

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Where the first label of a log line is: `(start, end, label, word)` where
/// `start..end` covers the label word, its colon and the spaces after it.
/// A label is a known word (any catalogued language) directly followed by
/// `:` (French: ` :`) and a space or the end of the line, and preceded by the
/// start of the line or a non-word character.
pub fn find_label(line: &str) -> Option<(usize, usize, Label, &str)> {
    let t = &*LABEL_TABLE;
    let b = line.as_bytes();
    let mut from = 0;
    while let Some(i) = memchr::memchr(b':', b.get(from..)?) {
        let c = from + i;
        from = c + 1;
        let after_ok = matches!(b.get(c + 1), None | Some(b' ') | Some(b'\t'));
        if !after_ok {
            continue;
        }
        // The word before the colon (a French label has a space before it).
        let mut end = c;
        if end > 0 && b[end - 1] == b' ' {
            end -= 1;
        }
        let head = &line[..end];
        let word_start = head
            .char_indices()
            .rev()
            .take_while(|(_, ch)| is_word_char(*ch))
            .last()
            .map(|(i, _)| i)
            .unwrap_or(end);
        let mut found = None;
        if word_start < end && end - word_start <= t.longest {
            let word = &line[word_start..end];
            if let Some(l) = t.words.get(word) {
                found = Some((word_start, *l));
            }
        }
        if found.is_none() {
            for (w, l) in &t.spaced {
                if head.ends_with(w) {
                    found = Some((end - w.len(), *l));
                    break;
                }
            }
        }
        if let Some((start, label)) = found {
            let boundary = line[..start]
                .chars()
                .next_back()
                .is_none_or(|ch| !is_word_char(ch));
            if boundary {
                let mut stop = c + 1;
                while matches!(b.get(stop), Some(b' ') | Some(b'\t')) {
                    stop += 1;
                }
                // At most the two spaces the server writes; keep the rest as text.
                let stop = stop.min(c + 3);
                return Some((start, stop, label, &line[start..end]));
            }
        }
    }
    None
}

struct MessageTable {
    /// English format → its patterns (English first), compiled on first use.
    patterns: HashMap<&'static str, (Vec<&'static str>, OnceLock<Vec<Printf>>)>,
    /// Fixed message (English or translated) → English.
    fixed: HashMap<&'static str, &'static str>,
}

/// Formats whose text is the whole value (a lock object, a context line):
/// nothing may follow them.
fn exact(fmt: &str) -> bool {
    LOCK_TAGS.contains(&fmt) || ROW_CONTEXTS.contains(&fmt) || fmt.ends_with("%s")
}

static MESSAGE_TABLE: LazyLock<MessageTable> = LazyLock::new(|| {
    let mut patterns: HashMap<&'static str, (Vec<&'static str>, OnceLock<Vec<Printf>>)> =
        HashMap::default();
    let mut fixed = HashMap::default();
    let english = MESSAGES
        .iter()
        .map(|(_, en, _)| *en)
        .chain(LOCK_TAGS.iter().copied())
        .chain(ROW_CONTEXTS.iter().copied())
        .chain(ENGLISH_ONLY.iter().copied());
    for en in english {
        if en.contains('%') {
            patterns
                .entry(en)
                .or_insert_with(|| (vec![en], OnceLock::new()));
        }
    }
    for (_, en, tr) in MESSAGES.iter().copied() {
        if !en.contains('%') {
            fixed.insert(tr, en);
            fixed.insert(en, en);
        } else if let Some((list, _)) = patterns.get_mut(en) {
            list.push(tr);
        }
    }
    MessageTable { patterns, fixed }
});

/// English formats used for matching that no catalog translates.
const ENGLISH_ONLY: &[&str] = &[
    "Process holding the lock: %s. Wait queue: %s.",
    "Processes holding the lock: %s. Wait queue: %s.",
];

/// The English text of a fixed message (`deadlock detected`), whatever
/// language the server wrote it in.
pub fn english_fixed(msg: &str) -> Option<&'static str> {
    MESSAGE_TABLE.fixed.get(msg.trim_end()).copied()
}

/// Match `text` against the English format `fmt` and its translations;
/// return the printf arguments in English order. Formats not known to the
/// tables are compiled on the spot (slow: tests only).
pub fn match_format<'t>(fmt: &str, text: &'t str) -> Option<Vec<&'t str>> {
    let table = &*MESSAGE_TABLE;
    match table.patterns.get(fmt) {
        Some((sources, compiled)) => compiled
            .get_or_init(|| {
                sources
                    .iter()
                    .filter_map(|f| Printf::compile(f, !exact(fmt)))
                    .collect()
            })
            .iter()
            .find_map(|p| p.captures(text)),
        None => Printf::compile(fmt, !exact(fmt)).and_then(|p| p.captures(text)),
    }
}

/// Every format the table matches (English and translated), with
/// whether text may follow it, for tests of the matcher.
#[cfg(test)]
pub(super) fn all_formats() -> Vec<(&'static str, bool)> {
    let mut all: Vec<(&'static str, bool)> = MESSAGE_TABLE
        .patterns
        .iter()
        .flat_map(|(en, (sources, _))| sources.iter().map(|f| (*f, !exact(en))))
        .collect();
    all.sort_unstable();
    all
}

/// Fill an English printf format with arguments (in order).
pub fn render(fmt: &str, args: &[&str]) -> String {
    let mut out = String::with_capacity(fmt.len() + 16);
    let mut it = args.iter();
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            out.push('%');
            continue;
        }
        while chars
            .peek()
            .is_some_and(|d| d.is_ascii_digit() || *d == 'l' || *d == '-')
        {
            chars.next();
        }
        chars.next();
        if let Some(a) = it.next() {
            out.push_str(a);
        }
    }
    out
}

/// The lock object descriptions of `DescribeLockTag` (`lmgr.c`).
pub const LOCK_TAGS: &[&str] = &[
    "tuple (%u,%u) of relation %u of database %u",
    "relation %u of database %u",
    "transaction %u",
    "virtual transaction %d/%u",
    "advisory lock [%u,%u,%u,%u]",
    "page %u of relation %u of database %u",
    "extension of relation %u of database %u",
    "object %u of class %u of database %u",
    "speculative token %u of transaction %u",
    "user lock [%u,%u,%u]",
    "pg_database.datfrozenxid of database %u",
    "remote transaction %u of subscription %u of database %u",
];

/// A lock object as the server described it (any language), in the
/// server's English wording; `None` when it is not a known description.
pub fn normalize_lock_tag(obj: &str) -> Option<String> {
    let obj = obj.trim().trim_matches('"');
    for fmt in LOCK_TAGS {
        if let Some(args) = match_format(fmt, obj) {
            return Some(render(fmt, &args));
        }
    }
    None
}

/// The heap-access contexts that name the row a wait was for.
pub const ROW_CONTEXTS: &[&str] = &[
    "while updating tuple (%u,%u) in relation \"%s\"",
    "while deleting tuple (%u,%u) in relation \"%s\"",
    "while locking tuple (%u,%u) in relation \"%s\"",
    "while locking updated version (%u,%u) of tuple in relation \"%s\"",
    "while inserting index tuple (%u,%u) in relation \"%s\"",
    "while checking uniqueness of tuple (%u,%u) in relation \"%s\"",
    "while rechecking updated tuple (%u,%u) in relation \"%s\"",
    "while checking exclusion constraint on tuple (%u,%u) in relation \"%s\"",
];

/// The row named by a `CONTEXT` (any language): (`tuple (0,5)`, relation name).
pub fn row_from_context(ctx: &str) -> Option<(String, String)> {
    let first = ctx.lines().next().unwrap_or(ctx).trim();
    for fmt in ROW_CONTEXTS {
        if let Some(a) = match_format(fmt, first) {
            if let [block, off, rel, ..] = a.as_slice() {
                return Some((format!("tuple ({block},{off})"), (*rel).to_string()));
            }
        }
    }
    None
}

/// The severity a (possibly translated) severity word names.
pub fn severity_of(word: &str) -> Option<Severity> {
    if let Some(s) = Severity::from_english(word) {
        return Some(s);
    }
    match LABEL_TABLE.words.get(word) {
        Some(Label::Primary(s)) => Some(*s),
        _ => None,
    }
}

/// ` at character %d` (`elog.c`, appended to a message in the text log when
/// the error has a cursor position), English first, then each catalogue's:
/// the text before the number and after it (split here, not twelve times
/// for every message).
const AT_CHARACTER: &[(&str, &str)] = &[
    (" at character ", ""),
    (" bei Zeichen ", ""),
    (" en carácter ", ""),
    (" au caractère ", ""),
    (" al carattere ", ""),
    ("(", "文字目)"),
    (" სიმბოლოსთან ", ""),
    (" ", " 번째 문자 부근"),
    (" (символ ", ")"),
    (" vid tecken ", ""),
    (" символ ", ""),
    (" 第 ", " 个字符处"),
];

/// The message without a trailing ` at character N` (any language).
pub fn strip_position(msg: &str) -> &str {
    let m = msg.trim_end();
    for &(pre, post) in AT_CHARACTER {
        let Some(rest) = m.strip_suffix(post) else {
            continue;
        };
        let num = rest.trim_end_matches(|c: char| c.is_ascii_digit());
        if num.len() == rest.len() {
            continue;
        }
        if let Some(base) = num.strip_suffix(pre) {
            return base;
        }
    }
    m
}
