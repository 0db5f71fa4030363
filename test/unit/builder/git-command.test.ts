import { parseGitCommand } from "../../../src/modules/builder/git-command";

describe("parseGitCommand", () => {
  test.each([
    ["git-receive-pack 'shop.git'", "git-receive-pack", "shop"],
    ["git-receive-pack '/shop.git'", "git-receive-pack", "shop"],
    ["git-upload-pack 'shop'", "git-upload-pack", "shop"],
    ["git receive-pack 'my-app-2.git'", "git-receive-pack", "my-app-2"],
    ["  git upload-pack 'a.git'  ", "git-upload-pack", "a"],
  ])("%s is %s on %s", (command, service, app) => {
    expect(parseGitCommand(command)).toEqual({ service, app });
  });

  test.each([
    ["another program", "ls 'shop.git'"],
    ["git's other commands", "git-upload-archive 'shop.git'"],
    ["an unquoted path", "git-receive-pack shop.git"],
    ["double quotes", 'git-receive-pack "shop.git"'],
    ["a parent directory", "git-receive-pack '../shop.git'"],
    ["a nested path", "git-receive-pack 'apps/shop.git'"],
    ["a shell metacharacter", "git-receive-pack 'shop.git'; rm -rf /"],
    ["a command substitution", "git-receive-pack '$(id).git'"],
    ["a second argument", "git-receive-pack 'shop.git' 'other.git'"],
    ["an uppercase app name", "git-receive-pack 'Shop.git'"],
    ["a name ending in a hyphen", "git-receive-pack 'shop-.git'"],
    ["a name starting with a digit", "git-receive-pack '1shop.git'"],
    ["a name over 63 characters", `git-receive-pack '${"a".repeat(64)}.git'`],
    ["nothing", ""],
  ])("refuses %s", (_, command) => {
    expect(parseGitCommand(command)).toBeNull();
  });

  test("takes the longest legal name", () => {
    expect(parseGitCommand(`git-receive-pack '${"a".repeat(63)}.git'`)).toEqual({ service: "git-receive-pack", app: "a".repeat(63) });
  });
});
