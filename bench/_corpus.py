"""A synthetic, seeded corpus of Indonesian election-commission archive records.

``records(n)`` yields search documents shaped as ``archive.indexing.document`` makes them
(the fields of ``archive.search.make_schema``), one at a time, so memory stays bounded. The
text is drawn word by word from a ranked vocabulary with a Zipf-like frequency: Indonesian
function words first, then the commission's working words (pemilih, tahapan, rekapitulasi,
kecamatan, ...) in their inflected forms (me-, di-, pe-/peN-...-an, -kan, -i, ter-, ber-,
ke-...-an), fixed phrases ("daftar pemilih tetap"), places of Kabupaten Cilacap, people,
institutions, numbers and dates, and a long tail of real Indonesian root words (a sample of
Sastrawi's dictionary). The same seed always gives the same corpus.
"""

import bisect
import itertools
import random
from datetime import datetime
from datetime import timedelta
from pathlib import Path

SEED = 2026
WORDS_PER_RECORD = 300

# --- vocabulary ----------------------------------------------------------------------------

#: Function words, most frequent first (some are Warta stop words, some are not).
FUNCTION_WORDS = """
yang dan di dengan untuk dalam pada ini dari ke oleh akan tersebut itu para serta bahwa
sebagai agar telah juga kepada atau tidak sudah dapat hingga bagi secara antara masih setiap
karena sebanyak yaitu seluruh saat terkait melalui sejumlah maupun namun lebih selama
""".split()

#: The commission's everyday words and phrases, most frequent first ("<kec>" and the like are
#: filled in when a record is written).
CORE = """
pemilihan pemilih kpu kabupaten cilacap <kec> <desa> <num> umum data daftar kecamatan
tahapan <person> suara rapat kegiatan petugas sosialisasi masyarakat <date> pemilu
rekapitulasi ketua anggota <inst> tps penyelenggara desa pelaksanaan badan_adhoc hasil
partai calon kampanye pleno berita_acara logistik tingkat provinsi jawa_tengah pengawas
bawaslu informasi <tps> pukul wib
""".split()

#: Verb and noun roots with the affixed forms they take:
#: m meN-, M meN-...-kan, d di-, D di-...-kan, i meN-...-i and di-...-i, p peN-...-an,
#: a peN- (the doer), t ter-, b ber-, n ...-an, e ke-...-an, L a loanword (meN- keeps its
#: first consonant: mensosialisasikan, memverifikasi).
ROOTS = """
pilih:mdpat tetap:MDpt laksana:MDpat umum:MDp susun:mdpat data:mdp daftar:mDpt tahap:n
rekapitulasi:Ld sosialisasi:LMD verifikasi:Lmd koordinasi:LMDb kampanye:Lb hitung:mdpt
catat:mdpt awas:ipa mutakhir:MDp cocok:MDp teliti:p salur:MDp distribusi:LMD kirim:mdMDp
terima:mdpa hadir:ie ikut:i sampai:MDp lapor:MDpn putus:MDe sepakat:ie bentuk:mdpt
lantik:mdp seleksi:Lmd cetak:mdpt simpan:mdpt arsip:LMDp kelola:mdpa layan:ipn tugas:MDpb
undang:mdn pimpin:mda buka:mdpt tutup:mdp usul:MDn aju:MDp calon:MDp tolak:mdp
terbit:MDp sebar:MDp pasang:mdp tertib:MDpe langgar:mdp tangan:ip selesai:MDp
rencana:MDp evaluasi:Lmd partisipasi:Lb libat:MDt dukung:mdan bantu:mdn kumpul:MDpb
isi:mdp ubah:md sesuai:MDe jelas:MD bahas:mdp kunjung:in pantau:mdpa periksa:mdpa
rekam:mdpn ambil:mdp siap:MDpe jaga:mdp aman:MDpe lengkap:ie gelar:md hasil:MDb
tunjuk:md tanggap:in jawab:md pakai:mdp guna:MDp tingkat:MDp turun:MDp capai:mdp
rekomendasi:LMD proses:Lmd unggah:mdp unduh:md akses:Lmd publikasi:LMD liput:mdpn
tulis:mdpat sunting:mdpa ukur:mdp bina:mdp latih:mdp didik:mdp bimbing:mdn temu:MDpbn
nilai:mdpa tempat:MDpt dengar:MDp lindung:ip himpun:mdp tangguh:e siar:MDp ajar:pn
tanda:iD periksa:mdpa rumus:MDp rinci:MDn teliti:p kawal:mdp catat:mdpt mohon:pn
izin:Lip atur:Mn sidang:n gugat:mdn adu:MDn selidik:mdpa bukti:MDp tindak:n jamin:mdp
sahih:e hubung:ie tanya:MDn wakil:ie tunda:MDp
"""

#: Nouns, adjectives and others, roughly by frequency.
NOUNS = """
kelurahan provinsi kota wilayah daerah warga penduduk pemerintah kantor aula gedung ruang
lokasi waktu tanggal hari minggu bulan tahun pagi siang sore malam acara peserta
sekretaris komisioner kepala staf pegawai pejabat bupati camat lurah kades politik
pasangan surat kotak bilik tinta formulir dokumen salinan jumlah total persen angka orang
perempuan disabilitas pemuda pelajar mahasiswa sekolah universitas organisasi lembaga
instansi dinas komisi panitia kelompok tim divisi bagian teknis hukum peraturan keputusan
pedoman jadwal program anggaran dana biaya gudang kendaraan jalan jembatan banjir cuaca
hujan listrik internet aplikasi sistem sidalih sirekap silon sipol website media sosial
instagram facebook youtube radio televisi koran wartawan jurnalis humas publik catatan
monitoring supervisi bimtek rakor terbuka tertutup sementara perbaikan baru lama awal
akhir pertama kedua ketiga nasional lokal serentak langsung bebas rahasia jujur adil
demokrasi integritas transparan akuntabel netral profesional antusias lancar kondusif
sukses baik penting besar kecil banyak semua beberapa berbagai mulai kembali bersama
segera terus cukup tinggi rendah cepat tepat benar salah lengkap kurang sesuai khusus
resmi wajib hak kewajiban syarat ketentuan mekanisme prosedur standar kualitas kapasitas
kemampuan pengetahuan pemahaman kesadaran pentingnya generasi milenial pemula difabel
lansia ibu bapak saudara tokoh agama adat pemudi karang_taruna pkk rt rw dusun kampung
pasar masjid gereja balai lapangan halaman tenda kursi meja papan spanduk baliho brosur
stiker leaflet poster video foto gambar peta kertas map lemari boks rak nomor kode
klasifikasi retensi berkas agenda disposisi perihal lampiran tembusan undangan nota dinas
edaran instruksi pengumuman pernyataan sengketa keberatan pelanggaran sanksi teguran
peringatan rekomendasi putusan banding kasasi mahkamah konstitusi pengadilan polisi tni
kodim polres kejaksaan satpol dprd parpol koalisi kader relawan saksi mandat pemantau
independen survei hitung_cepat quick_count real_count kertas_suara segel sampul plastik
kardus kabel laptop printer genset
"""

#: Fixed phrases, kept together in the text (underscores become spaces).
PHRASES = """
daftar_pemilih_tetap komisi_pemilihan_umum tempat_pemungutan_suara pemungutan_suara
panitia_pemilihan_kecamatan panitia_pemungutan_suara rapat_pleno_terbuka
kelompok_penyelenggara_pemungutan_suara badan_pengawas_pemilihan_umum
pemilihan_kepala_daerah bupati_cilacap pemutakhiran_data_pemilih pencocokan_dan_penelitian
surat_suara kotak_suara partai_politik calon_anggota_legislatif hari_pemungutan_suara
masa_kampanye alat_peraga_kampanye daftar_pemilih_sementara pemilih_pemula
pendidikan_pemilih bimbingan_teknis rapat_koordinasi berita_acara badan_adhoc
daftar_pemilih_tambahan jawa_tengah kartu_tanda_penduduk nomor_induk_kependudukan
dinas_kependudukan_dan_pencatatan_sipil kesatuan_bangsa_dan_politik
""".split()

KECAMATAN = """
Dayeuhluhur Wanareja Majenang Cimanggu Karangpucung Cipari Sidareja Kedungreja Patimuan
Gandrungmangu Bantarsari Kawunganten Kampung_Laut Jeruklegi Kesugihan Adipala Maos Sampang
Kroya Binangun Nusawungu Cilacap_Selatan Cilacap_Tengah Cilacap_Utara
""".split()

VILLAGE_HEADS = """
Karang Kali Sido Tegal Jati Kedung Bojong Sumber Gunung Banjar Cipta Pesang Wangon Sida
Mulya Cinta Jeruk Pagu Rawa Bulu Kuta Ciwalen Pahonjean Adi Binang Nusa
""".split()
VILLAGE_TAILS = """
anyar sari wungu mulyo rejo jaya harja reja asri kerta legi wangi mukti makmur luhur
tengah kidul lor wetan kulon sana pucung kandri bening kembang talun asih
""".split()

FIRST_NAMES = """
Agus Ahmad Andi Arif Bambang Budi Dedi Dewi Dian Eko Endang Fajar Fitri Hadi Hendra Heru
Ika Indah Joko Kurniawan Lestari Made Nur Nurul Puji Purnomo Putri Rahmat Ratna Retno Rina
Rizki Rudi Sari Setiawan Siti Slamet Sri Sugeng Suharto Sulistyo Supriyadi Susanti Teguh
Tri Wahyu Wati Widodo Yanti Yuli Yusuf Aditya Anisa Bayu Cahyo Dimas Galih Gilang Hanif
Ilham Imam Irfan Kartika Laras Lukman Mega Nanda Novi Oki Prasetyo Rani Reza Sigit Tatang
Umi Wulan Yoga Zainal Asep Ujang Cecep Dadang Euis Iis Nining Yayan
""".split()
LAST_NAMES = """
Santoso Wibowo Saputra Hidayat Nugroho Prasetya Kusuma Wijaya Susilo Pratama Rahayu
Setiadi Gunawan Hartono Purwanto Suryadi Haryanto Utomo Firmansyah Ramadhan Maulana
Permana Sasmita Sumarno Wahyudi Sutrisno Syahputra Hermawan Kurniasih Handayani Lestari
Anggraini Wulandari Puspitasari Sulistyowati Rohman Mubarok Hakim Fauzi Arifin Setiawan
Supriatna Hidayati Sholihin Mahmud Nurhayati Fitriani Rosita Marlina Yulianti
""".split()

INSTITUTIONS = [
    "Bawaslu Kabupaten Cilacap",
    "KPU Provinsi Jawa Tengah",
    "KPU Republik Indonesia",
    "Pemerintah Kabupaten Cilacap",
    "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Cilacap",
    "Kepolisian Resor Cilacap",
    "Kodim 0703/Cilacap",
    "DPRD Kabupaten Cilacap",
    "Badan Kesatuan Bangsa dan Politik Kabupaten Cilacap",
    "Dinas Pendidikan dan Kebudayaan Kabupaten Cilacap",
    "Pengadilan Negeri Cilacap",
    "Universitas Nahdlatul Ulama Al Ghazali Cilacap",
    "Dinas Komunikasi dan Informatika Kabupaten Cilacap",
    "PDI Perjuangan Kabupaten Cilacap",
    "Partai Golkar Kabupaten Cilacap",
    "Partai Gerindra Kabupaten Cilacap",
    "Partai Kebangkitan Bangsa Kabupaten Cilacap",
    "Partai Keadilan Sejahtera Kabupaten Cilacap",
    "Partai NasDem Kabupaten Cilacap",
    "Partai Demokrat Kabupaten Cilacap",
    "Partai Amanat Nasional Kabupaten Cilacap",
    "Partai Persatuan Pembangunan Kabupaten Cilacap",
    "Radio Republik Indonesia Purwokerto",
    "Satpol PP Kabupaten Cilacap",
    "Dinas Sosial Kabupaten Cilacap",
]
INSTITUTIONS += [f"PPK Kecamatan {k.replace('_', ' ')}" for k in KECAMATAN]

MONTHS = (
    "Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember"
).split()

CLASSIFICATIONS = (("HM.02.01", 30), ("PL.01.02", 25), ("PL.02.03", 20), ("PP.01.01", 15))
CLASSIFICATIONS += (("KU.03.02", 10),)
CATEGORIES = (
    ("Berita Terkini", 35),
    ("Sosialisasi", 20),
    ("Pengumuman", 15),
    ("Rilis Pers", 12),
    ("Kegiatan", 12),
    ("Opini", 6),
)
YEARS = ((2019, 18), (2020, 12), (2021, 6), (2022, 8), (2023, 14), (2024, 22))
YEARS += ((2025, 10), (2026, 10))
HARDCOPY = (("disimpan", 60), ("distempel", 15), ("dicetak", 10), ("belum_dicetak", 15))
ROLES = "kontributor redaktur koordinator penulis editor penanggungjawab arsiparis".split()
FILENAMES = """
undangan.pdf surat-masuk.pdf daftar-hadir.jpg rundown.docx notulen.docx laporan.pdf
berita-acara.pdf foto-kegiatan.jpg pindaian-surat.pdf materi-sosialisasi.pptx
rekap-dpt.xlsx siaran-pers.docx
""".split()

TITLE_ACTIONS = """
Rapat_Pleno_Terbuka Rapat_Koordinasi Sosialisasi Bimbingan_Teknis Rekapitulasi
Pelantikan Verifikasi Pendistribusian Pengumuman Penetapan Monitoring Evaluasi
Pencocokan_dan_Penelitian Pemutakhiran Pelatihan Kunjungan Penyerahan Pengawasan
Undangan Laporan Pemeriksaan Penyusunan Pencetakan Penyimpanan
""".split()
TITLE_OBJECTS = """
Daftar_Pemilih_Tetap Daftar_Pemilih_Sementara Hasil_Penghitungan_Suara Logistik_Pemilu
Badan_Adhoc Anggota_PPK Anggota_PPS KPPS Pemilih_Pemula Pendidikan_Pemilih
Calon_Anggota_DPRD Dana_Kampanye Alat_Peraga_Kampanye Surat_Suara Kotak_Suara
Data_Pemilih_Berkelanjutan Partai_Politik Relawan_Demokrasi Tahapan_Pemilihan
Pemilihan_Bupati_dan_Wakil_Bupati
""".split()


def _men(root, pe=False, loan=False):
    """meN- (or peN-) before ``root``, with the nasal Indonesian spelling asks for."""
    head = "pe" if pe else "me"
    c = root[0]
    if c in "aiueo" or c in "gh":
        return head + "ng" + root
    if c == "k":
        return head + "ng" + (root if loan else root[1:])
    if c == "p":
        return head + "m" + (root if loan else root[1:])
    if c in "bfv":
        return head + "m" + root
    if c == "t":
        return head + "n" + (root if loan else root[1:])
    if c in "dcjz":
        return head + "n" + root
    if c == "s":
        return head + ("n" + root if loan else "ny" + root[1:])
    return head + root


def _forms(root, flags):
    loan = "L" in flags
    kan = "kan"
    forms = [root]
    for flag, made in (
        ("m", lambda: [_men(root, loan=loan)]),
        ("M", lambda: [_men(root, loan=loan) + kan]),
        ("d", lambda: ["di" + root]),
        ("D", lambda: ["di" + root + kan]),
        ("i", lambda: [_men(root, loan=loan) + "i", "di" + root + "i"]),
        ("p", lambda: [_men(root, pe=True, loan=loan) + "an"]),
        ("a", lambda: [_men(root, pe=True, loan=loan)]),
        ("t", lambda: ["ter" + root]),
        ("b", lambda: ["ber" + root]),
        ("n", lambda: [root + "an"]),
        ("e", lambda: ["ke" + root + "an"]),
    ):
        if flag in flags:
            forms.extend(made())
    return forms


def _stem(word):
    from archive.query import stem

    return stem(word)


class Vocabulary:
    """The ranked units of text and their Zipf weights; built once per process."""

    def __init__(self, seed=SEED, tail=10000, exponent=1.1):
        rng = random.Random(seed)
        core = [w.replace("_", " ") if not w.startswith("<") else w for w in CORE]
        derived, seen = [], set(FUNCTION_WORDS) | set(core)
        for spec in ROOTS.split():
            root, flags = spec.split(":")
            for form in _forms(root, flags):
                # keep the forms Sastrawi takes back to their root: real Indonesian words
                if form not in seen and (form == root or _stem(form) == root):
                    seen.add(form)
                    derived.append(form)
        nouns = [w.replace("_", " ") for w in NOUNS.split() if w not in seen]
        seen.update(nouns)
        phrases = [p.replace("_", " ") for p in PHRASES if p.replace("_", " ") not in seen]
        middle = derived + nouns + phrases
        rng.shuffle(middle)
        # a long tail of real root words, rarely used
        dictionary = Path(__import__("Sastrawi").__file__).parent / "Stemmer/data/kata-dasar.txt"
        words = [
            w
            for w in dictionary.read_text().split()
            if w.isalpha() and len(w) >= 5 and w not in seen
        ]
        words.sort()
        rng.shuffle(words)
        self.units = FUNCTION_WORDS + core + middle + words[:tail]
        self.weights = [1.0 / (r + 2.7) ** exponent for r in range(len(self.units))]
        self.cum = list(itertools.accumulate(self.weights))
        self.tail_start = len(self.units) - tail
        self.villages = sorted({h + t for h in VILLAGE_HEADS for t in VILLAGE_TAILS})
        rng.shuffle(self.villages)
        self.villages = self.villages[:280]
        self.people = [f"{f} {n}" for f in FIRST_NAMES for n in LAST_NAMES]
        rng.shuffle(self.people)

    def words(self):
        """Every plain word the text can contain (phrases split), for query expansion."""
        out = set()
        for unit in self.units:
            if not unit.startswith("<"):
                out.update(unit.split())
        return out

    def doc_frequency(self, unit, units_per_record):
        """The expected share of records containing ``unit`` (drawn on its own)."""
        p = self.weights[self.units.index(unit)] / self.cum[-1]
        return 1 - (1 - p) ** units_per_record

    def rare_word(self, units_per_record, share=0.002):
        """The most frequent tail word expected in at most ``share`` of records that
        Sastrawi leaves as it is (so a query for it needs no expansion in FTS5)."""
        for unit in self.units[self.tail_start :]:
            if self.doc_frequency(unit, units_per_record) <= share and _stem(unit) == unit:
                return unit
        raise LookupError("no word that rare")


# --- records -------------------------------------------------------------------------------


def _weighted(pairs):
    values = [v for v, _ in pairs]
    cum = list(itertools.accumulate(w for _, w in pairs))
    return values, cum


def _pick(rng, values_cum):
    values, cum = values_cum
    return values[bisect.bisect(cum, rng.random() * cum[-1])]


class Writer:
    """Turns units drawn from the vocabulary into sentences."""

    def __init__(self, vocab, rng):
        self.v = vocab
        self.rng = rng

    def fill(self, unit, year):
        rng = self.rng
        if unit[0] != "<":
            return unit
        if unit == "<kec>":
            return "Kecamatan " + rng.choice(KECAMATAN).replace("_", " ")
        if unit == "<desa>":
            return "Desa " + rng.choice(self.v.villages)
        if unit == "<num>":
            r = rng.random()
            if r < 0.5:
                return str(rng.randint(1, 99))
            if r < 0.85:
                return f"{rng.randint(1, 999):,}".replace(",", ".")
            return f"{rng.randint(1000, 1_500_000):,}".replace(",", ".")
        if unit == "<person>":
            return rng.choice(self.v.people)
        if unit == "<inst>":
            return rng.choice(INSTITUTIONS)
        if unit == "<tps>":
            return f"TPS {rng.randint(1, 60):03d}"
        if unit == "<date>":
            return f"{rng.randint(1, 28)} {rng.choice(MONTHS)} {year}"
        raise ValueError(unit)

    def text(self, words, year):
        """About ``words`` words of text in sentences of 6 to 22 words."""
        rng = self.rng
        units = rng.choices(self.v.units, cum_weights=self.v.cum, k=int(words * 0.97))
        sentences, i = [], 0
        while i < len(units):
            n = rng.randint(6, 22)
            parts = [self.fill(u, year) for u in units[i : i + n]]
            first = parts[0]
            parts[0] = first[0].upper() + first[1:]
            sentences.append(" ".join(parts) + ".")
            i += n
        return " ".join(sentences)

    def title(self, year):
        rng = self.rng
        place = rng.random()
        where = (
            f"di Kecamatan {rng.choice(KECAMATAN)}"
            if place < 0.5
            else f"di Desa {rng.choice(self.v.villages)}"
            if place < 0.7
            else "Kabupaten Cilacap"
        )
        parts = [rng.choice(TITLE_ACTIONS), rng.choice(TITLE_OBJECTS), where]
        if rng.random() < 0.5:
            parts.append(f"Tahun {year}")
        return " ".join(parts).replace("_", " ")


def records(n, seed=SEED, vocab=None):
    """Yield ``n`` search documents, the same ones for the same seed."""
    vocab = vocab or Vocabulary(seed)
    rng = random.Random(seed * 7919 + 1)
    writer = Writer(vocab, rng)
    years, classes = _weighted(YEARS), _weighted(CLASSIFICATIONS)
    categories, hardcopies = _weighted(CATEGORIES), _weighted(HARDCOPY)
    seq = {}
    for i in range(1, n + 1):
        year = _pick(rng, years)
        seq[year] = seq.get(year, 0) + 1
        code = _pick(rng, classes)
        nomor = f"{code}/{seq[year]:04d}/3301/{year}"
        date = datetime(year, 1, 1) + timedelta(days=rng.randrange(365))
        category = _pick(rng, categories)
        hardcopy = _pick(rng, hardcopies)
        box = f"BOKS-{year}-{rng.randint(1, 40):03d}" if hardcopy == "disimpan" else ""
        location = (
            f"Ruang Arsip / Lemari {rng.randint(1, 12)} / {box} / Map {rng.randint(1, 30)}"
            if box
            else ""
        )
        origin = "sop" if rng.random() < 0.75 else "manual"
        agenda = [
            f"{rng.randint(1, 999)}/{code[:5]}-Und/3301/{year}" for _ in range(rng.randint(0, 3))
        ]
        senders = rng.sample(INSTITUTIONS, rng.randint(1, 2)) if origin == "sop" else []
        people = rng.sample(vocab.people, rng.randint(1, 4))
        media = rng.choice((["elektronik", "kertas"], ["elektronik", "kertas"], ["elektronik"]))
        yield {
            "id": i,
            "nomor_arsip": nomor,
            "codes": [nomor, code, *agenda],
            "title": writer.title(year),
            "summary": writer.text(28, year),
            "content": writer.text(WORDS_PER_RECORD, year),
            "category": category,
            "category_words": category,
            "classification": code,
            "year": year,
            "date": date,
            "date_from": date - timedelta(days=rng.randint(0, 14)),
            "people": people,
            "roles": rng.sample(ROLES, rng.randint(1, 4)) if origin == "sop" else [],
            "senders": senders,
            "media": media,
            "hardcopy": hardcopy,
            "location": location,
            "box": box,
            "access": "biasa" if rng.random() < 0.9 else "terbatas",
            "filenames": rng.sample(FILENAMES, rng.randint(1, 4)),
            "notext": rng.random() < 0.03,
            "origin": origin,
            "fingerprint": f"{rng.getrandbits(256):064x}",
        }
