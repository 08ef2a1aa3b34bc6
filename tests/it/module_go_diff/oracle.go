// Command oracle answers module/gover questions with Go's own implementation, for
// tests/it/module_go_diff.rs. That test builds it inside a throw-away module named
// golang.org/x/mod assembled from the installed toolchain's sources (x/mod/module and
// semver, internal/gover, and the pure files of cmd/go/internal/gover as cmdgover).
//
// Each input line is an op name and hex-encoded arguments separated by tabs; each
// output line is the hex encoding of "ok <value>", "err <message>" or "panic".
package main

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"go/version"
	"os"
	"strconv"
	"strings"
	"time"

	cmdgover "golang.org/x/mod/internal/cmdgover"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		fields := strings.Split(in.Text(), "\t")
		args := make([]string, len(fields)-1)
		for i, f := range fields[1:] {
			b, err := hex.DecodeString(f)
			if err != nil {
				panic(err)
			}
			args[i] = string(b)
		}
		fmt.Fprintln(out, hex.EncodeToString([]byte(answer(fields[0], args))))
	}
}

func res(v string, err error) string {
	if err != nil {
		return "err " + err.Error()
	}
	return "ok " + v
}

func b(x bool) string { return strconv.FormatBool(x) }

func answer(op string, a []string) (r string) {
	defer func() {
		if recover() != nil {
			r = "panic"
		}
	}()
	switch op {
	case "check_path":
		return res("", module.CheckPath(a[0]))
	case "check_import_path":
		return res("", module.CheckImportPath(a[0]))
	case "check_file_path":
		return res("", module.CheckFilePath(a[0]))
	case "check":
		return res("", module.Check(a[0], a[1]))
	case "escape_path":
		return res(module.EscapePath(a[0]))
	case "escape_version":
		return res(module.EscapeVersion(a[0]))
	case "unescape_path":
		return res(module.UnescapePath(a[0]))
	case "unescape_version":
		return res(module.UnescapeVersion(a[0]))
	case "split_path_version":
		p, m, ok := module.SplitPathVersion(a[0])
		if !ok {
			return "ok none"
		}
		return "ok " + p + "|" + m
	case "check_path_major":
		return res("", module.CheckPathMajor(a[0], a[1]))
	case "path_major_prefix":
		return "ok " + module.PathMajorPrefix(a[0])
	case "canonical_version":
		return "ok " + module.CanonicalVersion(a[0])
	case "match_prefix_patterns":
		return "ok " + b(module.MatchPrefixPatterns(a[0], a[1]))
	case "is_pseudo_version":
		return "ok " + b(module.IsPseudoVersion(a[0]))
	case "is_zero_pseudo_version":
		return "ok " + b(module.IsZeroPseudoVersion(a[0]))
	case "zero_pseudo_version":
		return "ok " + module.ZeroPseudoVersion(a[0])
	case "pseudo_version":
		sec, err := strconv.ParseInt(a[2], 10, 64)
		if err != nil {
			panic(err)
		}
		return "ok " + module.PseudoVersion(a[0], a[1], time.Unix(sec, 0), a[3])
	case "pseudo_version_time":
		t, err := module.PseudoVersionTime(a[0])
		return res(strconv.FormatInt(t.Unix(), 10), err)
	case "pseudo_version_rev":
		return res(module.PseudoVersionRev(a[0]))
	case "pseudo_version_base":
		return res(module.PseudoVersionBase(a[0]))
	case "semver_compare":
		return "ok " + strconv.Itoa(semver.Compare(a[0], a[1]))
	case "gover_compare":
		return "ok " + strconv.Itoa(cmdgover.Compare(a[0], a[1]))
	case "gover_max":
		return "ok " + cmdgover.Max(a[0], a[1])
	case "gover_lang":
		return "ok " + cmdgover.Lang(a[0])
	case "gover_is_lang":
		return "ok " + b(cmdgover.IsLang(a[0]))
	case "gover_is_valid":
		return "ok " + b(cmdgover.IsValid(a[0]))
	case "gover_is_prerelease":
		return "ok " + b(cmdgover.IsPrerelease(a[0]))
	case "gover_prev":
		return "ok " + cmdgover.Prev(a[0])
	case "from_toolchain":
		return "ok " + cmdgover.FromToolchain(a[0])
	case "mod_compare":
		return "ok " + strconv.Itoa(cmdgover.ModCompare(a[0], a[1], a[2]))
	case "mod_is_valid":
		return "ok " + b(cmdgover.ModIsValid(a[0], a[1]))
	case "mod_is_prefix":
		return "ok " + b(cmdgover.ModIsPrefix(a[0], a[1]))
	case "mod_is_prerelease":
		return "ok " + b(cmdgover.ModIsPrerelease(a[0], a[1]))
	case "mod_major_minor":
		return "ok " + cmdgover.ModMajorMinor(a[0], a[1])
	case "go_mod_lookup":
		return "ok " + cmdgover.GoModLookup([]byte(a[0]), a[1])
	case "version_compare":
		return "ok " + strconv.Itoa(version.Compare(a[0], a[1]))
	case "version_lang":
		return "ok " + version.Lang(a[0])
	case "version_is_valid":
		return "ok " + b(version.IsValid(a[0]))
	}
	panic("unknown op " + op)
}
