// DEVELOPMENT ONLY: storage for the embedded provider. oidc-provider's own in-memory adapter is an LRU of
// 1000 entries shared by all models: after a few hundred issueTokens calls, tokens issued earlier vanish and
// introspect as inactive. This one keeps every entry until it expires, per provider instance.

interface Entry {
  payload: Payload;
  expiresAt: number;
}
type Payload = Record<string, unknown> & { grantId?: string; uid?: string; userCode?: string };

/** Models whose entries belong to a grant and go when it is revoked. */
const GRANTABLE = new Set([
  "AccessToken",
  "AuthorizationCode",
  "RefreshToken",
  "DeviceCode",
  "BackchannelAuthenticationRequest",
  "PreAuthorizedCode",
]);
const SWEEP_EVERY_WRITES = 1000;
/** Entries outlive their expiry by oidc-provider's default clockTolerance, which it applies on reading. */
const GRACE_SECONDS = 15;

/** A factory for `configuration.adapter`: one store shared by the models of one provider. */
export function createMemoryAdapter(): (model: string) => MemoryAdapter {
  const store = new MemoryStore();
  return (model) => new MemoryAdapter(model, store);
}

class MemoryStore {
  readonly entries = new Map<string, Entry>();
  readonly byUid = new Map<string, string>();
  readonly byUserCode = new Map<string, string>();
  readonly byGrant = new Map<string, Set<string>>();
  #writes = 0;

  get(key: string | undefined): Payload | undefined {
    if (key === undefined) return undefined;
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  set(key: string, model: string, payload: Payload, expiresInSeconds: number | undefined): void {
    this.delete(key);
    const expiresAt =
      expiresInSeconds === undefined
        ? Number.POSITIVE_INFINITY
        : Date.now() + (expiresInSeconds + GRACE_SECONDS) * 1000;
    this.entries.set(key, { payload, expiresAt });
    if (payload.uid !== undefined && model === "Session") this.byUid.set(payload.uid, key);
    if (payload.userCode !== undefined) this.byUserCode.set(payload.userCode, key);
    if (payload.grantId !== undefined && GRANTABLE.has(model)) {
      const members = this.byGrant.get(payload.grantId) ?? new Set();
      this.byGrant.set(payload.grantId, members.add(key));
    }
    if (++this.#writes % SWEEP_EVERY_WRITES === 0) this.#sweep();
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    const { uid, userCode, grantId } = entry.payload;
    if (uid !== undefined && this.byUid.get(uid) === key) this.byUid.delete(uid);
    if (userCode !== undefined && this.byUserCode.get(userCode) === key) this.byUserCode.delete(userCode);
    if (grantId !== undefined) {
      const members = this.byGrant.get(grantId);
      members?.delete(key);
      if (members?.size === 0) this.byGrant.delete(grantId);
    }
  }

  #sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.delete(key);
  }
}

class MemoryAdapter {
  readonly #model: string;
  readonly #store: MemoryStore;

  constructor(model: string, store: MemoryStore) {
    this.#model = model;
    this.#store = store;
  }

  async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
    this.#store.set(this.#key(id), this.#model, payload, expiresIn);
  }

  async find(id: string): Promise<Payload | undefined> {
    return this.#store.get(this.#key(id));
  }

  async findByUid(uid: string): Promise<Payload | undefined> {
    return this.#store.get(this.#store.byUid.get(uid));
  }

  async findByUserCode(userCode: string): Promise<Payload | undefined> {
    return this.#store.get(this.#store.byUserCode.get(userCode));
  }

  async consume(id: string): Promise<void> {
    const payload = this.#store.get(this.#key(id));
    if (payload !== undefined) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    this.#store.delete(this.#key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const key of [...(this.#store.byGrant.get(grantId) ?? [])]) this.#store.delete(key);
  }

  #key(id: string): string {
    return `${this.#model}:${id}`;
  }
}
