import { createTestDatabase, openDatabaseDoor } from '@kaygraph/db/testing';
import pino from 'pino';
import postgres from 'postgres';
import { expect, it } from 'vitest';
import { createTaskSystem } from '../src/system.ts';
import { waitFor } from './harness.ts';

it('after an outage the event bus resyncs its subscribers once, however often it tried to reconnect', async () => {
  await using database = await createTestDatabase();
  await using door = await openDatabaseDoor(database.url);
  await using system = await createTaskSystem({ databaseUrl: door.url, logger: pino({ level: 'silent' }) });
  const bus = system.events;
  let resyncs = 0;
  const offReconnect = bus.onReconnect(() => resyncs++);
  const heard: string[] = [];
  const offQueued = bus.onQueued((workflow) => heard.push(workflow));
  await Promise.all([bus.listening('events'), bus.listening('queued')]);

  door.shut();
  await waitFor(() => door.turnedAway() >= 3, 'three attempts to reconnect while the database is away');
  door.open();
  await waitFor(() => resyncs > 0, 'the LISTEN to come back');
  // Delivered after every LISTEN queued during the outage has been answered on that connection.
  const direct = postgres(database.url, { max: 1 });
  try {
    await direct`select pg_notify('task_queued', 'after-the-outage')`;
    await waitFor(() => heard.includes('after-the-outage'), 'a notification sent after the outage');
  } finally {
    await direct.end();
  }
  expect(resyncs).toBe(1);
  offReconnect();
  offQueued();
});

it('the feed state says the database is unreachable from a liveness pass cut off, reachable from the next good one', async () => {
  await using database = await createTestDatabase();
  await using door = await openDatabaseDoor(database.url);
  await using system = await createTaskSystem({ databaseUrl: door.url, logger: pino({ level: 'silent' }) });
  const abort = new AbortController();
  const states: string[] = [];
  const following = (async () => {
    for await (const state of system.tasks.feedState({ signal: abort.signal })) states.push(state.database);
  })();
  await waitFor(() => states.length === 1, 'the state on subscribing');
  expect(states).toEqual(['reachable']);

  door.shut();
  await waitFor(() => states.length === 2, 'the loss to be reported');
  expect(states).toEqual(['reachable', 'unreachable']);
  await waitFor(() => door.turnedAway() >= 3, 'three attempts to reconnect while the database is away');
  // Every pass fails while the database is away (one a second): the loss is reported once.
  expect(states).toEqual(['reachable', 'unreachable']);

  door.open();
  await waitFor(() => states.length === 3, 'the return to be reported');
  expect(states).toEqual(['reachable', 'unreachable', 'reachable']);
  abort.abort();
  await following;
});
