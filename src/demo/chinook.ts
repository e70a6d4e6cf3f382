/**
 * The demo's sample: Chinook, a digital music store (artists, albums, tracks, genres, playlists,
 * customers, employees, invoices). Chosen for plain-language questions: every table is a familiar
 * noun, names are snake_case, and the joins people ask about (sales by country, top artists,
 * employees' customers) are one or two foreign keys away. The script is upstream's, verbatim, in
 * data/ with its license; its preamble (DROP/CREATE DATABASE, `\c chinook`) is dropped here.
 */
import upstreamScript from "./data/Chinook_PostgreSql.sql" with { type: "text" };

export interface DemoSample {
  /** File-name-safe name. */
  name: string;
  /** One line for people: what the data are. */
  title: string;
  /** The SQL that creates and fills the tables (run in one transaction). */
  script: string;
  /** Rows per table once loaded: checked after every load. */
  rowCounts: Readonly<Record<string, number>>;
}

/** Our comments: the schema context the model reads, so questions map onto the right columns. */
const COMMENTS = `
COMMENT ON TABLE artist IS 'A recording artist or band.';
COMMENT ON TABLE album IS 'An album, by one artist.';
COMMENT ON TABLE track IS 'A song or video for sale, usually on an album.';
COMMENT ON COLUMN track.milliseconds IS 'Duration in milliseconds.';
COMMENT ON COLUMN track.bytes IS 'File size in bytes.';
COMMENT ON COLUMN track.unit_price IS 'List price in US dollars.';
COMMENT ON TABLE genre IS 'A music or video genre (Rock, Jazz, TV Shows, ...).';
COMMENT ON TABLE media_type IS 'A file format (MPEG audio, protected AAC, MPEG-4 video, ...).';
COMMENT ON TABLE playlist IS 'A named list of tracks.';
COMMENT ON TABLE playlist_track IS 'Which tracks are on which playlist.';
COMMENT ON TABLE customer IS 'A customer of the store.';
COMMENT ON COLUMN customer.support_rep_id IS 'The employee (sales support agent) who looks after this customer.';
COMMENT ON TABLE employee IS 'A store employee.';
COMMENT ON COLUMN employee.reports_to IS 'The employee_id of this employee''s manager.';
COMMENT ON TABLE invoice IS 'One purchase by a customer (2021 to 2025); billing_* is the billing address.';
COMMENT ON COLUMN invoice.total IS 'Amount paid in US dollars: the sum of its lines.';
COMMENT ON TABLE invoice_line IS 'One track bought on an invoice.';
COMMENT ON COLUMN invoice_line.unit_price IS 'Price paid per unit in US dollars; the line amount is unit_price * quantity.';
`;

function withoutPreamble(script: string): string {
  const lines = script.split("\n");
  const connect = lines.findIndex((line) => /^\\c\s+chinook\s*;?\s*$/.test(line));
  if (connect < 0) {
    throw new Error("Cannot read the Chinook script: its `\\c chinook` line is gone");
  }
  return lines.slice(connect + 1).join("\n");
}

export const CHINOOK: DemoSample = {
  name: "chinook",
  title: "Chinook, a digital music store: artists, albums, tracks, genres, playlists, " +
    "customers, employees and invoices (11 tables, 15,607 rows)",
  script: withoutPreamble(upstreamScript) + "\n" + COMMENTS,
  rowCounts: {
    album: 347,
    artist: 275,
    customer: 59,
    employee: 8,
    genre: 25,
    invoice: 412,
    invoice_line: 2240,
    media_type: 5,
    playlist: 18,
    playlist_track: 8715,
    track: 3503,
  },
};
