// Command zipstreamoracle answers, with Go's own archive/zip, golang.org/x/mod/zip and
// sumdb/dirhash, what `go mod download` makes of a module zip: the checks of
// modfetch's downloadZip (open, prefix), hashZip, then Unzip. It serves
// tests/it/zipstream_hostile.rs, which builds it inside a throw-away module named
// golang.org/x/mod assembled from the installed toolchain's vendored sources.
//
// Each input line is a JSON request {path (hex), version, zip, dir}; each output line
// is the hex encoding of the verdict, worded as the test's Verdict prints it.
package main

import (
	"archive/zip"
	"bufio"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"
	modzip "golang.org/x/mod/zip"
)

type request struct {
	Path    string `json:"path"`
	Version string `json:"version"`
	Zip     string `json:"zip"`
	Dir     string `json:"dir"`
}

func verdict(r request) string {
	path, err := hex.DecodeString(r.Path)
	if err != nil {
		panic(err)
	}
	m := module.Version{Path: string(path), Version: r.Version}
	f, err := os.Open(r.Zip)
	if err != nil {
		panic(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		panic(err)
	}
	z, err := zip.NewReader(f, fi.Size())
	if err != nil {
		return "refused: " + err.Error()
	}
	prefix := m.Path + "@" + m.Version + "/"
	for _, zf := range z.File {
		if !strings.HasPrefix(zf.Name, prefix) {
			return fmt.Sprintf("refused: zip for %s has unexpected file %s", prefix[:len(prefix)-1], zf.Name)
		}
	}
	h, err := dirhash.HashZip(r.Zip, dirhash.Hash1)
	if err != nil {
		return "refused: " + err.Error()
	}
	if err := modzip.Unzip(r.Dir, m, r.Zip); err != nil {
		return "stored " + h + ", unzip failed: " + strings.TrimPrefix(err.Error(), "unzip "+r.Zip+": ")
	}
	th, err := dirhash.HashDir(r.Dir, m.Path+"@"+m.Version, dirhash.Hash1)
	if err != nil {
		return "stored " + h + ", extracted hashing the extracted tree: " + err.Error()
	}
	return "stored " + h + ", extracted " + th
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		var r request
		if err := json.Unmarshal(in.Bytes(), &r); err != nil {
			panic(err)
		}
		fmt.Fprintln(out, hex.EncodeToString([]byte(verdict(r))))
	}
}
