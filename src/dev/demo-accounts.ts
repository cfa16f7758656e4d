// Demo users of the embedded development provider. Development, tests and benchmarks only.

export interface DemoAccount {
  sub: string;
  preferred_username: string;
  email: string;
  email_verified: boolean;
  groups: string[];
  name?: string;
}

export const demoAccounts: DemoAccount[] = [
  {
    sub: "alice",
    preferred_username: "alice",
    name: "Alice Analyst",
    email: "alice@example.com",
    email_verified: true,
    groups: ["analysts"],
  },
  {
    sub: "bob",
    preferred_username: "bob",
    name: "Bob Builder",
    email: "bob@example.com",
    email_verified: false,
    groups: [],
  },
  {
    sub: "carol",
    preferred_username: "carol",
    name: "Carol Admin",
    email: "carol@example.com",
    email_verified: true,
    groups: ["admins"],
  },
];
