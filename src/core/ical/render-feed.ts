/**
 * A whole feed document rendered at once: the events rendered for its view, then assembled. Publishing renders
 * per schedule and assembles from stored pieces instead; both give the same bytes.
 */
import { assembleFeed, type FeedHead } from "./assemble-feed.ts";
import { renderEvents, type EventBlockCache, type FeedEvent, type FeedView } from "./render-events.ts";

export { PRODID } from "./assemble-feed.ts";
export { createEventBlockCache, type EventBlockCache, type FeedEvent } from "./render-events.ts";

/** What a feed shows and how it names itself. */
export interface FeedDocument extends FeedHead {
  /** `person`: the subscriber's own shifts; `schedule`: everyone's, with names in the summary. */
  view: FeedView;
  events: FeedEvent[];
}

/**
 * The feed's bytes as a string (see `assembleFeed`).
 * @param cache rendered events to reuse (an unchanged event is then serialized once across feeds and revisions).
 */
export function renderFeed(doc: FeedDocument, cache: EventBlockCache | null = null): string {
  return assembleFeed(doc, renderEvents(doc.events, doc.view, cache));
}
